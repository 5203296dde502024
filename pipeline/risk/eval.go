package risk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/openchs/openchs-ai/models"
)

// Labelled is one call text with the priority (and, optionally, the
// category) a counsellor gave it: a line of testdata/eval.jsonl, or a row
// of a helpline's own evaluation file.
type Labelled struct {
	ID       string          `json:"id"`
	Split    string          `json:"split,omitempty"`
	Lang     string          `json:"lang,omitempty"`
	Priority models.Priority `json:"priority"`
	Category string          `json:"category,omitempty"`
	Text     string          `json:"text"`
}

// ErrLabelledFormat marks an evaluation file that cannot be read as
// labelled calls.
var ErrLabelledFormat = errors.New("labelled calls")

// ReadLabelled reads labelled calls in one of two shapes, told apart by
// the first non-blank byte: JSON lines of Labelled ({"id", "priority",
// "text", ...}), or tab-separated rows "priority<TAB>text". A TSV file may
// start with a header naming its columns (priority and text required; id,
// category, lang, split optional, in any order); without one the columns
// are priority and text, and a row's id is its line number. Fields are
// split at tabs only: quotes are text. Every error wraps
// ErrLabelledFormat and names the line.
func ReadLabelled(r io.Reader) ([]Labelled, error) {
	br := bufio.NewReader(r)
	skipped := 0 // lines
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%w: the file is empty", ErrLabelledFormat)
			}
			return nil, err
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			if _, err := br.ReadByte(); err != nil {
				return nil, err
			}
			if b[0] == '\n' {
				skipped++
			}
			continue
		}
		if b[0] == '{' {
			return readLabelledJSONL(br)
		}
		return readLabelledTSV(br, skipped)
	}
}

func readLabelledJSONL(r io.Reader) ([]Labelled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var out []Labelled
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l Labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrLabelledFormat, line, err)
		}
		if l.ID == "" {
			l.ID = fmt.Sprintf("line%d", line)
		}
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrLabelledFormat, line, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLabelledFormat, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no labelled calls", ErrLabelledFormat)
	}
	return out, nil
}

func readLabelledTSV(r io.Reader, skipped int) ([]Labelled, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	col := map[string]int{"priority": 0, "text": 1}
	var out []Labelled
	for line, row := skipped+1, 0; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		// A transcript's quotes are its own: fields are split at tabs only.
		rec := strings.Split(text, "\t")
		row++
		if row == 1 && models.Priority(strings.ToLower(strings.TrimSpace(rec[0]))).Validate() != nil {
			col = map[string]int{}
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			_, p := col["priority"]
			_, t := col["text"]
			if !p || !t {
				return nil, fmt.Errorf("%w: line %d: the first row is neither a header naming priority and text columns nor a row starting with a priority (low, medium, high, critical)", ErrLabelledFormat, line)
			}
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%w: line %d: want priority<TAB>text, got %d column", ErrLabelledFormat, line, len(rec))
		}
		l := Labelled{
			ID: get("id"), Split: get("split"), Lang: get("lang"), Category: get("category"),
			Priority: models.Priority(strings.ToLower(get("priority"))), Text: get("text"),
		}
		if l.ID == "" {
			l.ID = fmt.Sprintf("line%d", line)
		}
		if err := l.check(); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrLabelledFormat, line, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLabelledFormat, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no labelled calls", ErrLabelledFormat)
	}
	return out, nil
}

func (l *Labelled) check() error {
	if err := l.Priority.Validate(); err != nil {
		return fmt.Errorf("%s: %w", l.ID, err)
	}
	if strings.TrimSpace(l.Text) == "" {
		return fmt.Errorf("%s: no text", l.ID)
	}
	return nil
}

// Scores are the triage metrics of a classifier over labelled calls.
type Scores struct {
	N, Correct int
	// Severe counts the calls labelled high or critical, SevereFound
	// those of them classified high or critical.
	Severe, SevereFound int
	// CriticalBelowHigh counts critical calls classified low or medium.
	CriticalBelowHigh int
	// Benign counts the calls labelled low or medium, FalseAlarms those
	// of them classified high or critical.
	Benign, FalseAlarms int
	// CategoryN counts the calls above low with a labelled category,
	// CategoryCorrect those classified in it.
	CategoryN, CategoryCorrect int
	// Confusion counts calls by [labelled][classified] priority rank.
	Confusion [4][4]int
	// Misses name the calls classified at another priority by id (never
	// text): "id(high→low)"; CategoryMisses those above low classified in
	// another category: "id(a→b)".
	Misses, CategoryMisses []string
}

// Score compares classifications with their labels, got[i] with
// labelled[i].
func Score(labelled []Labelled, got []*models.Classification) *Scores {
	s := &Scores{}
	for i, l := range labelled {
		s.Add(l, got[i])
	}
	return s
}

// Add scores one classification against its label.
func (s *Scores) Add(l Labelled, got *models.Classification) {
	w, g := l.Priority.Rank(), got.Priority.Rank()
	s.N++
	s.Confusion[w][g]++
	if w == g {
		s.Correct++
	} else {
		s.Misses = append(s.Misses, fmt.Sprintf("%s(%s→%s)", l.ID, l.Priority, got.Priority))
	}
	if w >= 2 {
		s.Severe++
		if g >= 2 {
			s.SevereFound++
		}
		if w == 3 && g < 2 {
			s.CriticalBelowHigh++
		}
	} else {
		s.Benign++
		if g >= 2 {
			s.FalseAlarms++
		}
	}
	if w > 0 && l.Category != "" {
		s.CategoryN++
		if got.Category == l.Category {
			s.CategoryCorrect++
		} else {
			s.CategoryMisses = append(s.CategoryMisses, fmt.Sprintf("%s(%s→%s)", l.ID, l.Category, got.Category))
		}
	}
}

// Recall is the share of calls labelled high or critical that were
// classified high or critical.
func (s *Scores) Recall() float64 { return ratio(s.SevereFound, s.Severe) }

// Accuracy is the share of calls classified at their labelled priority.
func (s *Scores) Accuracy() float64 { return ratio(s.Correct, s.N) }

// CategoryAccuracy is the share of calls above low, with a labelled
// category, classified in it.
func (s *Scores) CategoryAccuracy() float64 { return ratio(s.CategoryCorrect, s.CategoryN) }

// FalseAlarmRate is the share of calls labelled low or medium that were
// classified high or critical.
func (s *Scores) FalseAlarmRate() float64 { return ratio(s.FalseAlarms, s.Benign) }

func ratio(a, b int) float64 { return float64(a) / float64(max(b, 1)) }

// String reports the scores: a summary line, the confusion matrix (rows
// labelled, columns classified) and the misses, of priority then of
// category.
func (s *Scores) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "n=%d  recall(high+critical)=%.3f  priority accuracy=%.3f", s.N, s.Recall(), s.Accuracy())
	if s.CategoryN > 0 {
		fmt.Fprintf(&b, "  category accuracy(non-low)=%.3f", s.CategoryAccuracy())
	}
	fmt.Fprintf(&b, "  critical below high=%d  false alarms(low/medium called high+)=%d/%d (%.3f)\n",
		s.CriticalBelowHigh, s.FalseAlarms, s.Benign, s.FalseAlarmRate())
	fmt.Fprintf(&b, "confusion (rows: labelled, columns: classified)\n%10s", "")
	for _, p := range models.Priorities {
		fmt.Fprintf(&b, "%9s", p)
	}
	b.WriteByte('\n')
	for i, p := range models.Priorities {
		fmt.Fprintf(&b, "%10s", p)
		for j := range models.Priorities {
			fmt.Fprintf(&b, "%9d", s.Confusion[i][j])
		}
		b.WriteByte('\n')
	}
	if len(s.Misses) > 0 {
		fmt.Fprintf(&b, "misses: %s\n", strings.Join(s.Misses, " "))
	}
	if len(s.CategoryMisses) > 0 {
		fmt.Fprintf(&b, "category misses: %s\n", strings.Join(s.CategoryMisses, " "))
	}
	return b.String()
}
