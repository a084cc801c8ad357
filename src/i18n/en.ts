/**
 * English: defines every key and each message's parameters. The other catalogues are typed against this
 * one (`Messages`), so a missing, extra or differently shaped message is a compile error.
 */
type Title = { title: string }
type Email = { email: string }
type EmailWhat = { email: string; what: string }
type Timed = { title: string; when: string }
type Deadline = { what: string; due: string }

export const en = {
  'language.name': 'English',
  'site.tagline': 'Reminders of court hearings and deadlines',
  'page.languages': 'Language',
  'page.errorPrefix': 'Error',
  'page.footer': 'courtbell sends reminders of court hearings and deadlines by email.',

  'what.hearing': (p: Title) => `the hearing “${p.title}”`,
  'what.case': (p: Title) => `every hearing of the case “${p.title}”`,

  'case.court': 'Court',
  'case.number': 'Case number',
  'case.upcoming': 'Upcoming hearings',
  'case.noUpcoming': 'No hearings are scheduled at the moment.',
  'case.past': 'Past hearings and decisions',
  'case.deadlines': 'Open deadlines',
  'case.dueOn': 'Due on',
  'case.decision': 'Decision',
  'case.cancelled': 'Cancelled',
  'case.calendar': 'Add every hearing to your calendar',
  'case.calendarHint': 'A calendar feed (iCalendar) that updates itself when a hearing moves.',

  'subscribe.heading': 'Get reminders by email',
  'subscribe.intro':
    'We will email you before each hearing of this case, and whenever a hearing is moved, cancelled or decided.',
  'subscribe.email': 'Email address',
  'subscribe.name': 'Your name (optional)',
  'subscribe.reminders': 'Remind me',
  'subscribe.language': 'Language of the emails',
  'subscribe.submit': 'Subscribe',
  'subscribe.privacy': 'We first send you an email to confirm; nothing else is sent until you confirm.',

  'remind.before': (p: { duration: string }) => `${p.duration} before`,
  'error.email': 'Enter an email address such as name@example.org.',
  'error.reminders': 'Choose at least one reminder.',
  'error.timeZone': 'Choose a time zone from the list, for example Asia/Almaty.',
  'error.tooMany': 'Too many requests from here. Please try again in an hour.',

  'inbox.title': 'Check your inbox',
  'inbox.body': (p: Email) =>
    `We have sent a confirmation link to ${p.email}. Open it within 7 days to start getting reminders.`,
  'inbox.spam': 'If the email has not arrived within a few minutes, look in your spam folder.',
  'inbox.back': 'Back to the case',

  'confirm.title': 'Confirm your subscription',
  'confirm.body': (p: EmailWhat) => `Confirm that ${p.email} should get reminders for ${p.what}.`,
  'confirm.button': 'Confirm subscription',
  'confirmed.title': 'Subscription confirmed',
  'confirmed.body': (p: EmailWhat) => `${p.email} will now receive reminders and notices for ${p.what}.`,
  'unsubscribe.title': 'Unsubscribe',
  'unsubscribe.body': (p: EmailWhat) => `Stop all reminders and notices for ${p.what} to ${p.email}?`,
  'unsubscribe.button': 'Unsubscribe',
  'unsubscribed.title': 'Unsubscribed',
  'unsubscribed.body': (p: EmailWhat) => `${p.email} will receive nothing more about ${p.what}.`,
  'invalid.title': 'This link is not valid',
  'invalid.body':
    'It may have expired or been changed. To get a new confirmation email, subscribe again on the case page.',
  'notFound.title': 'Page not found',
  'notFound.body': 'There is no such page, or the case is not public.',
  'failure.title': 'Something went wrong',
  'failure.body': 'Please try again in a few minutes.',

  'prefs.title': 'Your preferences',
  'prefs.link': 'Change your preferences',
  'prefs.intro': (p: Email) => `Every subscription of ${p.email}.`,
  'prefs.none': 'This address has no subscriptions.',
  'prefs.hearing': 'Hearing',
  'prefs.case': 'Every hearing of the case',
  'prefs.status.pending': 'Waiting for confirmation',
  'prefs.status.active': 'Active',
  'prefs.status.unsubscribed': 'Unsubscribed',
  'prefs.reminders': 'Reminders',
  'prefs.language': 'Language',
  'prefs.timeZone': 'Time zone',
  'prefs.timeZoneHint': 'Emails show times in this zone, and in the court’s.',
  'prefs.digest': 'Digest',
  'digest.none': 'No digest',
  'digest.daily': 'Daily digest',
  'digest.weekly': 'Weekly digest (Mondays)',
  'prefs.feed': 'Calendar feed',
  'prefs.save': 'Save preferences',
  'prefs.saved': 'Your preferences are saved.',
  'prefs.unsubscribe': 'Unsubscribe from this',
  'prefs.unsubscribeAll': 'Unsubscribe from everything',
  'prefs.unsubscribedAll': 'You will receive nothing more from courtbell.',

  'time.notAnnounced': 'time not yet announced',

  'email.greeting': (p: { name: string | null }) => (p.name ? `Hello ${p.name},` : 'Hello,'),
  'email.openLink': 'Or open this link:',
  'email.reminder.subject': (p: Timed & { inWhat: string }) =>
    `Reminder: ${p.title} in ${p.inWhat} — ${p.when}`,
  'email.reminder.lead': (p: Title & { inWhat: string }) =>
    `This is your reminder: the hearing “${p.title}” is in ${p.inWhat}.`,
  'email.rescheduled.subject': (p: Timed) => `Hearing moved: ${p.title} — now ${p.when}`,
  'email.rescheduled.lead': (p: Title) =>
    `The hearing “${p.title}” has been moved to a new time. Reminders follow the new time.`,
  'email.cancelled.subject': (p: Timed) => `Hearing cancelled: ${p.title} — ${p.when}`,
  'email.cancelled.lead': (p: Title) =>
    `The hearing “${p.title}” has been cancelled. You will get no more reminders for it.`,
  'email.decided.subject': (p: Title) => `Decision recorded: ${p.title}`,
  'email.decided.lead': (p: Title) => `A decision has been recorded for the hearing “${p.title}”.`,
  'email.confirm.subject': 'Confirm your courtbell subscription',
  'email.confirm.leadCase': (p: Title) =>
    `Please confirm that you want courtbell reminders for every hearing of the case “${p.title}”.`,
  'email.confirm.leadHearing': (p: Title) =>
    `Please confirm that you want courtbell reminders for the hearing “${p.title}”.`,
  'email.confirm.button': 'Confirm subscription',
  'email.confirm.expires': (p: { when: string }) => `This link works until ${p.when}.`,
  'email.confirm.ignore': 'If you did not ask for this, ignore this email: nothing will be sent to you.',
  'email.welcome.subject': (p: Title) => `You are subscribed to court reminders: ${p.title}`,
  'email.welcome.leadCase': (p: Title) =>
    `Court staff have subscribed you to courtbell reminders for every hearing of the case “${p.title}”.`,
  'email.welcome.leadHearing': (p: Title) =>
    `Court staff have subscribed you to courtbell reminders for the hearing “${p.title}”.`,
  'email.welcome.change':
    'You can change your reminders, language and time zone, or unsubscribe, at any time with the links below.',
  'email.footer.self': 'You receive this email because you subscribed to courtbell notices.',
  'email.footer.staff': 'You receive this email because court staff subscribed you to courtbell notices.',
  'email.footer.unsubscribe': 'Unsubscribe',
  'email.footer.preferences': 'Preferences',
  'email.footer.calendar': 'Calendar feed',

  'label.hearing': 'Hearing',
  'label.when': 'When',
  'label.yourTime': 'Your time',
  'label.newTime': 'New time',
  'label.was': 'Was',
  'label.wasYourTime': 'Was (your time)',
  'label.court': 'Court',
  'label.location': 'Location',
  'label.case': 'Case',
  'label.caseNumber': 'Case number',
  'label.notes': 'Notes',
  'label.reason': 'Reason',
  'label.decision': 'Decision',
  'label.decidedOn': 'Decided on',
  'label.reminders': 'Reminders',
  'label.deadline': 'Deadline',
  'label.dueOn': 'Due on',
  'label.wasDue': 'Was due on',
  'label.dueYourTime': 'Ends (your time)',
  'label.rule': 'Rule',
  'label.trigger': 'Counted from',
  'label.notCounted': 'Days not counted',

  'deadline.reminder.subject': (p: Deadline & { inWhat: string }) =>
    `Reminder: ${p.what} due in ${p.inWhat} — ${p.due}`,
  'deadline.reminder.lead': (p: { what: string; inWhat: string }) =>
    `This is your reminder: the time limit “${p.what}” ends in ${p.inWhat}.`,
  'deadline.created.subject': (p: Deadline) => `New deadline: ${p.what} — due ${p.due}`,
  'deadline.created.lead': (p: { what: string; caseTitle: string }) =>
    `A deadline has been set in the case “${p.caseTitle}”: ${p.what}.`,
  'deadline.rescheduled.subject': (p: Deadline) => `Deadline moved: ${p.what} — now due ${p.due}`,
  'deadline.rescheduled.lead': (p: { what: string }) =>
    `The deadline “${p.what}” has moved. Reminders follow the new date.`,
  'deadline.cancelled.subject': (p: { what: string }) => `Deadline cancelled: ${p.what}`,
  'deadline.cancelled.lead': (p: { what: string }) =>
    `The deadline “${p.what}” no longer applies. You will get no more reminders for it.`,
  'deadline.met.subject': (p: { what: string }) => `Deadline met: ${p.what}`,
  'deadline.met.lead': (p: { what: string }) =>
    `The deadline “${p.what}” has been marked as met. No more reminders will be sent for it.`,
}

export type Messages = typeof en
