-- The helpline's cases, with the OpenCHS integration guide's table names.
-- Times are TEXT 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: fixed width, so they
-- sort and compare in time order, and SQLite's date functions read them.

-- kase_clock hands out the change stamps (microseconds since the Unix
-- epoch) that kase.updated_at takes: strictly increasing, and taken by the
-- one writer SQLite allows, so stamps are committed in order.
CREATE TABLE kase_clock (
	id INTEGER NOT NULL PRIMARY KEY,
	last_us INTEGER NOT NULL
);
INSERT INTO kase_clock (id, last_us) VALUES (1, 0);

-- contact holds reporters, one row per phone number or email address.
CREATE TABLE contact (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	phone TEXT NULL,
	email TEXT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX contact_phone ON contact (phone);
CREATE INDEX contact_email ON contact (email);

CREATE TABLE kase (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	case_number TEXT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	category TEXT NOT NULL,
	sub_category TEXT NOT NULL DEFAULT '',
	priority TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'open',
	reporter_contact_id INTEGER NULL REFERENCES contact (id),
	assigned_to TEXT NOT NULL DEFAULT '',
	external_ref TEXT NULL,
	source TEXT NOT NULL DEFAULT '',
	language TEXT NOT NULL DEFAULT '',
	duration_s REAL NULL,
	ai_models TEXT NULL,
	idempotency_key_hash TEXT NULL,
	request_fingerprint TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX kase_case_number ON kase (case_number);
CREATE UNIQUE INDEX kase_external_ref ON kase (external_ref);
CREATE UNIQUE INDEX kase_idempotency_key ON kase (idempotency_key_hash);
CREATE INDEX kase_updated ON kase (updated_at, id);
CREATE INDEX kase_status_updated ON kase (status, updated_at, id);
CREATE INDEX kase_priority_updated ON kase (priority, updated_at, id);
CREATE INDEX kase_category_updated ON kase (category, updated_at, id);
CREATE INDEX kase_created ON kase (created_at);

-- kase_activity records every change to a case, written in the change's
-- transaction: created, updated (one row per field), status, assigned, note.
CREATE TABLE kase_activity (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	kase_id INTEGER NOT NULL REFERENCES kase (id),
	action TEXT NOT NULL,
	field TEXT NULL,
	old_value TEXT NULL,
	new_value TEXT NULL,
	note TEXT NULL,
	actor TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX kase_activity_kase ON kase_activity (kase_id, id);
CREATE INDEX kase_activity_created ON kase_activity (created_at);

-- fact_case_daily: per day, priority and category, the cases opened and
-- the moves to resolved (a case resolved, reopened and resolved again
-- counts on both days). Priority and category are the case's current ones.
CREATE VIEW fact_case_daily AS
SELECT metric_date, priority, category, SUM(new_cases) AS new_cases, SUM(resolved_cases) AS resolved_cases
FROM (
	SELECT DATE(k.created_at) AS metric_date, k.priority, k.category, 1 AS new_cases, 0 AS resolved_cases
	FROM kase k
	UNION ALL
	SELECT DATE(a.created_at) AS metric_date, k.priority, k.category, 0 AS new_cases, 1 AS resolved_cases
	FROM kase_activity a JOIN kase k ON k.id = a.kase_id
	WHERE a.action = 'status' AND a.new_value = 'resolved'
) d
GROUP BY metric_date, priority, category;
