-- The applied migrations, one row per version (the same table as the PostgreSQL backend's).
-- The library runs this before reading the version, inside its BEGIN IMMEDIATE
-- (sqlite_schema.c); every later file ends by inserting its version.
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  applied_at INTEGER NOT NULL -- microseconds since the epoch, UTC
) STRICT;
