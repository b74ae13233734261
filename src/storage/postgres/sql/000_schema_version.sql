-- The applied migrations, one row per version (the same table as the SQLite backend's).
-- The library runs this before reading the version, in the migration's transaction and
-- under its advisory lock (pg_migrate.c); every later file ends by inserting its version.
CREATE TABLE IF NOT EXISTS schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
