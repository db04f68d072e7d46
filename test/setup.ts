// Per test file: embedded in-memory Postgres unless DATABASE_URL points at a real one; quiet logs.
process.env.FORTRESS_DATA_DIR ??= "memory://";
if (!process.env.DATABASE_URL) process.env.FORTRESS_DATA_DIR = "memory://";
process.env.FORTRESS_LOG_LEVEL ??= "silent";
process.env.FORTRESS_SIGNUP ??= "open";
// Several test processes share one real Postgres: they must share the vault master key too, or a
// service key created by one process cannot be opened by another. (PGlite runs keep a random one.)
if (process.env.DATABASE_URL) process.env.FORTRESS_MASTER_KEY ??= "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
