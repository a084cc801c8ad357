import type { Messages } from './en.js'

/**
 * Kazakh, written formally («Сіз»). Sentences are built so that no case ending has to be glued onto a
 * title, a date or a number ICU wrote: those stand in quotes, after a colon, or before «қалды».
 */
export const kk: Messages = {
  'language.name': 'Қазақша',
  'site.tagline': 'Сот отырыстары мен мерзімдер туралы еске салулар',
  'page.languages': 'Тіл',
  'page.errorPrefix': 'Қате',
  'page.footer':
    'courtbell сот отырыстары мен мерзімдер туралы еске салуларды электрондық поштамен жібереді.',

  'what.hearing': (p) => `«${p.title}» сот отырысы туралы`,
  'what.case': (p) => `«${p.title}» ісі бойынша барлық сот отырыстары туралы`,

  'case.court': 'Сот',
  'case.number': 'Іс нөмірі',
  'case.upcoming': 'Алдағы сот отырыстары',
  'case.noUpcoming': 'Қазір тағайындалған сот отырысы жоқ.',
  'case.past': 'Өткен сот отырыстары мен шешімдер',
  'case.deadlines': 'Ағымдағы мерзімдер',
  'case.dueOn': 'Аяқталу күні',
  'case.decision': 'Шешім',
  'case.cancelled': 'Отырыс болдырылмады',
  'case.calendar': 'Барлық сот отырыстарын күнтізбеңізге қосу',
  'case.calendarHint': 'Отырыс басқа уақытқа ауыстырылса, күнтізбе (iCalendar) өздігінен жаңартылады.',

  'subscribe.heading': 'Еске салуларды электрондық поштамен алу',
  'subscribe.intro':
    'Осы іс бойынша әр сот отырысының алдында, сондай-ақ отырыс басқа уақытқа ауыстырылғанда, болдырылмағанда немесе шешім шығарылғанда Сізге хат жібереміз.',
  'subscribe.email': 'Электрондық пошта мекенжайы',
  'subscribe.name': 'Атыңыз (міндетті емес)',
  'subscribe.reminders': 'Қашан еске салу керек',
  'subscribe.language': 'Хаттардың тілі',
  'subscribe.submit': 'Жазылу',
  'subscribe.privacy':
    'Алдымен растау хатын жібереміз; жазылымды растамайынша Сізге басқа ештеңе жіберілмейді.',

  'remind.before': (p) => `${p.duration} бұрын`,
  'error.email': 'Электрондық пошта мекенжайын енгізіңіз, мысалы: name@example.org.',
  'error.reminders': 'Кемінде бір еске салуды таңдаңыз.',
  'error.timeZone': 'Тізімнен уақыт белдеуін таңдаңыз, мысалы: Asia/Almaty.',
  'error.tooMany': 'Сұраулар тым көп. Бір сағаттан кейін қайталап көріңіз.',

  'inbox.title': 'Поштаңызды тексеріңіз',
  'inbox.body': (p) =>
    `Растау сілтемесін ${p.email} мекенжайына жібердік. Еске салуларды алу үшін оны 7 күн ішінде ашыңыз.`,
  'inbox.spam': 'Хат бірнеше минут ішінде келмесе, «Спам» қалтасын қараңыз.',
  'inbox.back': 'Іс бетіне оралу',

  'confirm.title': 'Жазылымды растаңыз',
  'confirm.body': (p) => `${p.email} мекенжайына ${p.what} еске салулар жіберілетінін растаңыз.`,
  'confirm.button': 'Жазылымды растау',
  'confirmed.title': 'Жазылым расталды',
  'confirmed.body': (p) => `Енді ${p.email} мекенжайына ${p.what} еске салулар мен хабарламалар жіберіледі.`,
  'unsubscribe.title': 'Жазылымнан бас тарту',
  'unsubscribe.body': (p) =>
    `${p.email} мекенжайына ${p.what} еске салулар мен хабарламалар жіберуді тоқтатайық па?`,
  'unsubscribe.button': 'Жазылымнан бас тарту',
  'unsubscribed.title': 'Жазылымнан бас тартылды',
  'unsubscribed.body': (p) =>
    `${p.email} мекенжайына ${p.what} бұдан былай еске салулар мен хабарламалар жіберілмейді.`,
  'invalid.title': 'Сілтеме жарамсыз',
  'invalid.body':
    'Сілтеменің мерзімі өтіп кеткен немесе ол өзгертілген болуы мүмкін. Жаңа растау хатын алу үшін іс бетінде қайта жазылыңыз.',
  'notFound.title': 'Бет табылмады',
  'notFound.body': 'Мұндай бет жоқ немесе іс жария емес.',
  'failure.title': 'Қате орын алды',
  'failure.body': 'Бірнеше минуттан кейін қайталап көріңіз.',

  'prefs.title': 'Баптаулар',
  'prefs.link': 'Баптауларды өзгерту',
  'prefs.intro': (p) => `${p.email} мекенжайының барлық жазылымдары.`,
  'prefs.none': 'Бұл мекенжайдың жазылымдары жоқ.',
  'prefs.hearing': 'Сот отырысы',
  'prefs.case': 'Іс бойынша барлық сот отырыстары',
  'prefs.status.pending': 'Растауды күтуде',
  'prefs.status.active': 'Белсенді',
  'prefs.status.unsubscribed': 'Жазылымнан бас тартылған',
  'prefs.reminders': 'Еске салулар',
  'prefs.language': 'Тіл',
  'prefs.timeZone': 'Уақыт белдеуі',
  'prefs.timeZoneHint': 'Хаттардағы уақыт осы белдеу бойынша және сот уақытымен көрсетіледі.',
  'prefs.digest': 'Шолу',
  'digest.none': 'Шолу жібермеу',
  'digest.daily': 'Күнделікті шолу',
  'digest.weekly': 'Апталық шолу (дүйсенбі сайын)',
  'prefs.feed': 'Күнтізбе сілтемесі',
  'prefs.save': 'Баптауларды сақтау',
  'prefs.saved': 'Баптауларыңыз сақталды.',
  'prefs.unsubscribe': 'Осы жазылымнан бас тарту',
  'prefs.unsubscribeAll': 'Барлық жазылымнан бас тарту',
  'prefs.unsubscribedAll': 'Бұдан былай courtbell Сізге ештеңе жібермейді.',

  'time.notAnnounced': 'уақыты әлі жарияланған жоқ',

  'email.greeting': (p) => (p.name ? `Сәлеметсіз бе, ${p.name}!` : 'Сәлеметсіз бе!'),
  'email.openLink': 'Немесе мына сілтемені ашыңыз:',
  'email.reminder.subject': (p) => `Еске салу: ${p.title} — ${p.inWhat} қалды — ${p.when}`,
  'email.reminder.lead': (p) => `Еске саламыз: «${p.title}» сот отырысына ${p.inWhat} қалды.`,
  'email.rescheduled.subject': (p) => `Отырыс ауыстырылды: ${p.title} — жаңа уақыты: ${p.when}`,
  'email.rescheduled.lead': (p) =>
    `«${p.title}» сот отырысы басқа уақытқа ауыстырылды. Еске салулар жаңа уақытқа сәйкес жіберіледі.`,
  'email.cancelled.subject': (p) => `Отырыс болдырылмады: ${p.title} — ${p.when}`,
  'email.cancelled.lead': (p) =>
    `«${p.title}» сот отырысы болдырылмады. Бұл отырыс туралы енді еске салу жіберілмейді.`,
  'email.decided.subject': (p) => `Шешім шығарылды: ${p.title}`,
  'email.decided.lead': (p) => `«${p.title}» сот отырысының қорытындысы бойынша шешім шығарылды.`,
  'email.confirm.subject': 'courtbell жазылымын растаңыз',
  'email.confirm.leadCase': (p) =>
    `«${p.title}» ісі бойынша барлық сот отырыстары туралы courtbell еске салуларын алғыңыз келетінін растаңыз.`,
  'email.confirm.leadHearing': (p) =>
    `«${p.title}» сот отырысы туралы courtbell еске салуларын алғыңыз келетінін растаңыз.`,
  'email.confirm.button': 'Жазылымды растау',
  'email.confirm.expires': (p) => `Сілтеме мына уақытқа дейін жарамды: ${p.when}.`,
  'email.confirm.ignore':
    'Егер Сіз жазылуды сұрамаған болсаңыз, бұл хатқа мән бермеңіз: Сізге ештеңе жіберілмейді.',
  'email.welcome.subject': (p) => `Сіз сот еске салуларына жазылдыңыз: ${p.title}`,
  'email.welcome.leadCase': (p) =>
    `Сот қызметкерлері Сізді «${p.title}» ісі бойынша барлық сот отырыстары туралы courtbell еске салуларына жазды.`,
  'email.welcome.leadHearing': (p) =>
    `Сот қызметкерлері Сізді «${p.title}» сот отырысы туралы courtbell еске салуларына жазды.`,
  'email.welcome.change':
    'Төмендегі сілтемелер арқылы еске салуларды, тілді және уақыт белдеуін кез келген уақытта өзгертуге немесе жазылымнан бас тартуға болады.',
  'email.footer.self': 'Сіз courtbell хабарламаларына жазылғандықтан, бұл хат Сізге жіберілді.',
  'email.footer.staff':
    'Сот қызметкерлері Сізді courtbell хабарламаларына жазғандықтан, бұл хат Сізге жіберілді.',
  'email.footer.unsubscribe': 'Жазылымнан бас тарту',
  'email.footer.preferences': 'Баптаулар',
  'email.footer.calendar': 'Күнтізбе',

  'label.hearing': 'Сот отырысы',
  'label.when': 'Уақыты',
  'label.yourTime': 'Сіздің уақытыңыз',
  'label.newTime': 'Жаңа уақыты',
  'label.was': 'Бұрынғы уақыты',
  'label.wasYourTime': 'Бұрынғы уақыты (Сіздің уақытыңыз)',
  'label.court': 'Сот',
  'label.location': 'Өтетін орны',
  'label.case': 'Іс',
  'label.caseNumber': 'Іс нөмірі',
  'label.notes': 'Ескертпе',
  'label.reason': 'Себебі',
  'label.decision': 'Шешім',
  'label.decidedOn': 'Шешім шығарылған күн',
  'label.reminders': 'Еске салулар',
  'label.deadline': 'Мерзім',
  'label.dueOn': 'Аяқталу күні',
  'label.wasDue': 'Бұрынғы аяқталу күні',
  'label.dueYourTime': 'Аяқталу уақыты (Сіздің уақытыңыз)',
  'label.rule': 'Ереже',
  'label.trigger': 'Есептеу басталған күн',
  'label.notCounted': 'Есепке алынбаған күндер',

  'deadline.reminder.subject': (p) =>
    `Еске салу: ${p.what} — мерзімнің аяқталуына ${p.inWhat} қалды, ${p.due}`,
  'deadline.reminder.lead': (p) => `Еске саламыз: «${p.what}» мерзімінің аяқталуына ${p.inWhat} қалды.`,
  'deadline.created.subject': (p) => `Жаңа мерзім: ${p.what} — аяқталу күні: ${p.due}`,
  'deadline.created.lead': (p) => `«${p.caseTitle}» ісі бойынша мерзім белгіленді: ${p.what}.`,
  'deadline.rescheduled.subject': (p) => `Мерзім ауыстырылды: ${p.what} — жаңа аяқталу күні: ${p.due}`,
  'deadline.rescheduled.lead': (p) =>
    `«${p.what}» мерзімі ауыстырылды. Еске салулар жаңа күнге сәйкес жіберіледі.`,
  'deadline.cancelled.subject': (p) => `Мерзімнің күші жойылды: ${p.what}`,
  'deadline.cancelled.lead': (p) =>
    `«${p.what}» мерзімі енді қолданылмайды. Бұл мерзім туралы енді еске салу жіберілмейді.`,
  'deadline.met.subject': (p) => `Мерзім сақталды: ${p.what}`,
  'deadline.met.lead': (p) =>
    `«${p.what}» мерзімі сақталды деп белгіленді. Бұл мерзім туралы енді еске салу жіберілмейді.`,
}
