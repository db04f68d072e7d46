// Per test file: embedded in-memory Postgres unless DATABASE_URL points at a real one; quiet logs.
process.env.FORTRESS_DATA_DIR ??= "memory://";
if (!process.env.DATABASE_URL) process.env.FORTRESS_DATA_DIR = "memory://";
process.env.FORTRESS_LOG_LEVEL ??= "silent";
process.env.FORTRESS_SIGNUP ??= "open";
// Test files on one shared Postgres (CI) must share the vault master key: it wraps the service keys
// every process reads. (A throwaway test value; PGlite files would each generate their own.)
if (process.env.DATABASE_URL) process.env.FORTRESS_MASTER_KEY ??= "dGVzdC1vbmx5LXZhdWx0LW1hc3Rlci1rZXktMzJieXQ=";
