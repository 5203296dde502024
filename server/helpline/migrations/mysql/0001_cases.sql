-- The helpline's cases, with the OpenCHS integration guide's table names.
-- MySQL commits around each DDL statement, so every statement here can run
-- again after a partial failure.

-- kase_clock hands out the change stamps (microseconds since the Unix
-- epoch) that kase.updated_at takes: strictly increasing, and taken under
-- a row lock held to commit, so stamps are committed in order.
CREATE TABLE IF NOT EXISTS kase_clock (
	id INT NOT NULL PRIMARY KEY,
	last_us BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO kase_clock (id, last_us) VALUES (1, 0);

-- contact holds reporters, one row per phone number or email address.
CREATE TABLE IF NOT EXISTS contact (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	phone VARCHAR(64) NULL,
	email VARCHAR(254) NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	KEY contact_phone (phone),
	KEY contact_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS kase (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	case_number VARCHAR(32) NULL,
	title VARCHAR(500) NOT NULL,
	description TEXT NOT NULL,
	category VARCHAR(100) NOT NULL,
	sub_category VARCHAR(100) NOT NULL DEFAULT '',
	priority VARCHAR(16) NOT NULL,
	status VARCHAR(16) NOT NULL DEFAULT 'open',
	reporter_contact_id BIGINT NULL,
	assigned_to VARCHAR(255) NOT NULL DEFAULT '',
	external_ref VARCHAR(255) NULL,
	source VARCHAR(64) NOT NULL DEFAULT '',
	language VARCHAR(16) NOT NULL DEFAULT '',
	duration_s DOUBLE NULL,
	ai_models TEXT NULL,
	idempotency_key_hash CHAR(64) NULL,
	request_fingerprint CHAR(64) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	updated_at DATETIME(6) NOT NULL,
	UNIQUE KEY kase_case_number (case_number),
	UNIQUE KEY kase_external_ref (external_ref),
	UNIQUE KEY kase_idempotency_key (idempotency_key_hash),
	KEY kase_updated (updated_at, id),
	KEY kase_status_updated (status, updated_at, id),
	KEY kase_priority_updated (priority, updated_at, id),
	KEY kase_category_updated (category, updated_at, id),
	KEY kase_created (created_at),
	CONSTRAINT kase_reporter FOREIGN KEY (reporter_contact_id) REFERENCES contact (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- kase_activity records every change to a case, written in the change's
-- transaction: created, updated (one row per field), status, assigned, note.
CREATE TABLE IF NOT EXISTS kase_activity (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	kase_id BIGINT NOT NULL,
	action VARCHAR(16) NOT NULL,
	field VARCHAR(32) NULL,
	old_value TEXT NULL,
	new_value TEXT NULL,
	note TEXT NULL,
	actor VARCHAR(64) NOT NULL,
	created_at DATETIME(6) NOT NULL,
	KEY kase_activity_kase (kase_id, id),
	KEY kase_activity_created (created_at),
	CONSTRAINT kase_activity_kase FOREIGN KEY (kase_id) REFERENCES kase (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- fact_case_daily: per day, priority and category, the cases opened and
-- the moves to resolved (a case resolved, reopened and resolved again
-- counts on both days). Priority and category are the case's current ones.
CREATE OR REPLACE VIEW fact_case_daily AS
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
