-- A table to migrate.
CREATE TABLE widget (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL
);
INSERT INTO widget (id, name) VALUES (1, 'one;two');
