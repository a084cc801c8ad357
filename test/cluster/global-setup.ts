import { type PrivateCluster, startPrivateCluster } from './redis-cluster.js'

/**
 * The cluster project (vitest.cluster.config.ts): one Redis Cluster for the run. The harness and every
 * courtbell process it starts read REDIS_CLUSTER_NODES and hash-tag their prefixes.
 */
let cluster: PrivateCluster | undefined

export async function setup() {
  cluster = await startPrivateCluster()
  process.env.REDIS_CLUSTER_NODES = cluster.nodesSetting
  console.log(`redis cluster: ${cluster.nodesSetting}`)
}

export async function teardown() {
  await cluster?.destroy()
}
