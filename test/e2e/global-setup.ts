// Placeholder until the cluster harness lands (owned by the test-cluster work): replace freely.
export default async function globalSetup(): Promise<void> {}
