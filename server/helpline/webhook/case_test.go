package webhook

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/server/helpline"
	"github.com/openchs/openchs-ai/server/helpline/sqldb"
)

var _ CaseReader = (*helpline.Helpline)(nil)

func openHelpline(t testing.TB, db *sqldb.DB) *helpline.Helpline {
	t.Helper()
	h, err := helpline.New(context.Background(), db, helpline.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newCase(t testing.TB, h *helpline.Helpline, title string) *models.Case {
	t.Helper()
	c, _, err := h.CreateCase(context.Background(), models.Case{
		Title: title, Description: "Caller reported concern about child welfare", Category: "abuse",
		Priority: models.PriorityHigh, ReporterPhone: "+254700123456",
	}, helpline.CreateOptions{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A case created and moved through the case store reaches a subscriber as
// case.created then case.updated, each carrying the case and the activity.
func TestCaseEventsDelivered(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		h := openHelpline(t, db)
		before := newCase(t, h, "made before webhooks started") // not sent: the cursor starts at the end
		s, err := New(testConfig(), db, rdb, nil, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		s.UseCases(h)
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		rc := newReceiver(t, "whsec_cases")
		subscribe(t, s, rc.URL, rc.secret, CaseCreated, CaseUpdated)

		c := newCase(t, h, "Child safety concern from hotline")
		rc.wait(5*time.Second, "case.created", func(rc *receiver) bool { return len(rc.count) == 1 })
		status := models.CaseInProgress
		if _, err := h.UpdateCase(context.Background(), c.ID, helpline.Update{Status: &status}, "counsellor"); err != nil {
			t.Fatal(err)
		}
		rc.wait(5*time.Second, "case.updated", func(rc *receiver) bool { return len(rc.count) == 2 })
		rc.check()

		created := rc.ofType(CaseCreated)
		updated := rc.ofType(CaseUpdated)
		if len(created) != 1 || len(updated) != 1 {
			t.Fatalf("got %d case.created and %d case.updated", len(created), len(updated))
		}
		var cd, ud CaseData
		if err := json.Unmarshal(created[0].Data, &cd); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(updated[0].Data, &ud); err != nil {
			t.Fatal(err)
		}
		var cc, uc models.Case
		_ = json.Unmarshal(cd.Case, &cc)
		_ = json.Unmarshal(ud.Case, &uc)
		if cc.ID != c.ID || cc.CaseNumber != c.CaseNumber || cc.Title != c.Title || cc.ID == before.ID {
			t.Errorf("case.created carries case %+v, want %s %s", cc, c.ID, c.CaseNumber)
		}
		if cd.Activity.Action != "created" || itoa(cd.Activity.CaseID) != c.ID {
			t.Errorf("case.created activity %+v", cd.Activity)
		}
		if uc.Status != models.CaseInProgress || ud.Activity.Action != "status" || ud.Activity.NewValue == nil ||
			*ud.Activity.NewValue != "in_progress" || ud.Activity.Actor != "counsellor" {
			t.Errorf("case.updated carries status %s, activity %+v", uc.Status, ud.Activity)
		}
	})
}

// Without a CaseReader the case is read from its row, in the same shape.
func TestCaseEventWithoutReader(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	h := openHelpline(t, db)
	s := startService(t, testConfig(), db, rdb, nil)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", CaseCreated)
	c := newCase(t, h, "row read")
	rc.wait(5*time.Second, "case.created", func(rc *receiver) bool { return len(rc.count) == 1 })
	var d CaseData
	_ = json.Unmarshal(rc.ofType(CaseCreated)[0].Data, &d)
	var got models.Case
	if err := json.Unmarshal(d.Case, &got); err != nil {
		t.Fatal(err)
	}
	want, err := h.GetCase(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(&got)
	if string(wb) != string(gb) {
		t.Errorf("case read from the row:\n%s\nwant as the API shows it:\n%s", gb, wb)
	}
}

// An activity id committed after a higher one (a transaction still open
// when the next one committed) is waited for, not passed over; an id that
// never commits is passed over after GapWait.
func TestActivityGapWaited(t *testing.T) {
	db := sqldbSQLite(t)
	rdb := testRedis(t)
	h := openHelpline(t, db)
	cfg := testConfig()
	cfg.GapWait = 500 * time.Millisecond
	s := startService(t, cfg, db, rdb, nil)
	rc := newReceiver(t, "k")
	subscribe(t, s, rc.URL, "k", CaseCreated, CaseUpdated)
	c := newCase(t, h, "gaps")
	rc.wait(5*time.Second, "case.created", func(rc *receiver) bool { return len(rc.count) == 1 })

	ctx := context.Background()
	var last int64
	if err := db.QueryRowContext(ctx, "SELECT MAX(id) FROM kase_activity").Scan(&last); err != nil {
		t.Fatal(err)
	}
	note := func(id int64) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO kase_activity (id, kase_id, action, note, actor, created_at)
			VALUES (?, ?, 'note', 'n', 'test', ?)`, id, c.ID, sqldb.FormatTime(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	note(last + 2) // last+1 is still "in flight"
	time.Sleep(100 * time.Millisecond)
	note(last + 1) // ... and commits late: it must still be sent
	rc.wait(5*time.Second, "both notes", func(rc *receiver) bool { return len(rc.count) == 3 })

	start := time.Now()
	note(last + 4) // last+3 never commits
	rc.wait(5*time.Second, "the note after a gap", func(rc *receiver) bool { return len(rc.count) == 4 })
	if d := time.Since(start); d < cfg.GapWait {
		t.Errorf("the note after a gap came after %v, before GapWait %v", d, cfg.GapWait)
	}
	rc.check()
}

// A bulk import sends no webhooks (a receiver reads imported cases with
// updated_since or an export); a case created after it is still sent.
func TestImportSendsNoCaseEvents(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqldb.DB) {
		rdb := testRedis(t)
		h := openHelpline(t, db)
		s, err := New(testConfig(), db, rdb, nil, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		s.UseCases(h)
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
		rc := newReceiver(t, "whsec_import")
		subscribe(t, s, rc.URL, rc.secret, CaseCreated, CaseUpdated)

		csv := "case_number,title,description,category,priority,reporter_phone,created_at\n" +
			"EXT-1,Imported one,,abuse,high,,2025-01-02\nEXT-2,Imported two,,neglect,low,,2025-01-03\n"
		res, err := h.ImportCSV(context.Background(), strings.NewReader(csv), helpline.ImportOptions{})
		if err != nil || res.Imported != 2 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		c := newCase(t, h, "Created after the import")
		rc.wait(5*time.Second, "case.created", func(rc *receiver) bool { return len(rc.count) >= 1 })
		time.Sleep(time.Second) // time for any wrongly sent import events to arrive
		created := rc.ofType(CaseCreated)
		var cd CaseData
		var cc models.Case
		if len(created) == 1 {
			json.Unmarshal(created[0].Data, &cd)
			json.Unmarshal(cd.Case, &cc)
		}
		if len(created) != 1 || cc.ID != c.ID || len(rc.ofType(CaseUpdated)) != 0 {
			t.Fatalf("got %d case.created (first for case %q, want %q) and %d case.updated", len(created), cc.ID, c.ID, len(rc.ofType(CaseUpdated)))
		}
	})
}
