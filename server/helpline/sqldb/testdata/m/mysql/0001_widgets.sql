-- A table to migrate.
CREATE TABLE IF NOT EXISTS widget (
	id INT PRIMARY KEY,
	name VARCHAR(64) NOT NULL
);
INSERT INTO widget (id, name) VALUES (1, 'one;two');
