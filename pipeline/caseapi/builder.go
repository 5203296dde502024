package caseapi

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openchs/openchs-ai/models"
	"github.com/openchs/openchs-ai/pipeline/subtitle"
)

//go:embed categories.json
var defaultCategories []byte

// DefaultMaxDescription bounds a case description, in bytes.
const DefaultMaxDescription = 16 << 10

// Categories maps the triage's categories onto a helpline's.
type Categories struct {
	Default string                  `json:"default_category"`
	ByID    map[string]CategoryName `json:"categories"`
}

// CategoryName is one triage category as a helpline knows it.
type CategoryName struct {
	// Category is the helpline's category.
	Category string `json:"category"`
	// Title names the kind of case in a generated title.
	Title string `json:"title"`
}

// LoadCategories reads a category map from path, or the embedded one when
// path is empty.
func LoadCategories(path string) (*Categories, error) {
	b := defaultCategories
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read case categories: %w", err)
		}
	}
	var c Categories
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("case categories %s: %w", orEmbedded(path), err)
	}
	if strings.TrimSpace(c.Default) == "" {
		return nil, fmt.Errorf("case categories %s: default_category is empty", orEmbedded(path))
	}
	for id, n := range c.ByID {
		if strings.TrimSpace(n.Category) == "" {
			return nil, fmt.Errorf("case categories %s: %s has no category", orEmbedded(path), id)
		}
	}
	return &c, nil
}

func orEmbedded(path string) string {
	if path == "" {
		return "(embedded)"
	}
	return path
}

// Builder turns a call's result into the case a counsellor reads.
type Builder struct {
	Categories *Categories
	// MaxDescription bounds the description in bytes; default
	// DefaultMaxDescription. The transcript is clipped first, then the
	// translation; priority and evidence always stay.
	MaxDescription int
}

// Build returns the case for res, uploaded with opts.
//
//   - title: the upload's title, or "<kind> — <priority> (AI triage)";
//   - description: priority and category, the evidence with its times, the
//     English translation, then the transcript, clipped to MaxDescription;
//   - category: the triage's category through the category map;
//   - external_ref: the task id; source "ai"; language, duration and the
//     models that made the result.
func (b Builder) Build(res *models.Result, opts models.TaskOptions) (models.Case, error) {
	if res == nil {
		return models.Case{}, errors.New("no result to make a case of")
	}
	cl := res.Classification
	if cl == nil { // classification was left out: a counsellor decides
		cl = &models.Classification{Priority: models.PriorityMedium, RiskLevel: models.PriorityMedium, Category: "unclassified"}
	}
	name, known := b.Categories.ByID[cl.Category]
	if !known {
		name = CategoryName{Category: b.Categories.Default, Title: humanize(cl.Category)}
	}
	title := strings.TrimSpace(opts.Title)
	if title == "" {
		title = fmt.Sprintf("%s — %s (AI triage)", name.Title, cl.Priority)
	}
	d := float64(res.Duration)
	c := models.Case{
		Title:         title,
		Description:   b.describe(res, cl),
		Category:      name.Category,
		SubCategory:   cl.SubCategory,
		Priority:      cl.Priority,
		ReporterPhone: opts.ReporterPhone,
		ReporterEmail: opts.ReporterEmail,
		ExternalRef:   res.TaskID,
		Source:        "ai",
		Language:      res.Language,
		DurationS:     &d,
		AIModels:      res.Models,
	}
	return c, c.Validate()
}

// humanize turns an id like child_in_distress into "Child in distress".
func humanize(id string) string {
	s := strings.ReplaceAll(id, "_", " ")
	if s == "" {
		return "Call"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (b Builder) describe(res *models.Result, cl *models.Classification) string {
	var head strings.Builder
	fmt.Fprintf(&head, "Priority: %s (AI triage, confidence %.2f)\n", strings.ToUpper(string(cl.Priority)), cl.Confidence)
	fmt.Fprintf(&head, "Category: %s", cl.Category)
	if cl.SubCategory != "" {
		fmt.Fprintf(&head, " / %s", cl.SubCategory)
	}
	head.WriteString("\n")
	if cl.Intervention != "" {
		fmt.Fprintf(&head, "Suggested intervention: %s\n", cl.Intervention)
	}
	fmt.Fprintf(&head, "Call: %s, language %s, task %s\n", clock(float64(res.Duration)), orUnknown(res.Language), res.TaskID)
	if len(cl.Evidence) > 0 {
		head.WriteString("\nEvidence:\n")
		for _, e := range cl.Evidence {
			fmt.Fprintf(&head, "- [%s–%s] %q (%s", clock(float64(e.Start)), clock(float64(e.End)), e.Text, e.Rule)
			if e.Source != "" {
				fmt.Fprintf(&head, ", %s", e.Source)
			}
			if e.Speaker != "" {
				fmt.Fprintf(&head, ", said by the %s", e.Speaker)
			}
			head.WriteString(")\n")
		}
	}
	parts := []string{head.String()}
	if res.Translation != nil && *res.Translation != "" {
		parts = append(parts, "\nEnglish translation:\n"+*res.Translation+"\n")
	}
	parts = append(parts, "\nTranscript:\n"+transcript(res)+"\n")
	limit := b.MaxDescription
	if limit <= 0 {
		limit = DefaultMaxDescription
	}
	return clip(parts, limit, res.TaskID)
}

// clip joins parts within limit bytes, shortening the last parts first and
// saying where the rest is.
func clip(parts []string, limit int, taskID string) string {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if total <= limit {
		return strings.Join(parts, "")
	}
	note := fmt.Sprintf("\n[clipped: the whole text is at /audio/task/%s until the result expires]\n", taskID)
	budget := limit - len(note)
	var out strings.Builder
	for _, p := range parts {
		if budget <= 0 {
			break
		}
		if len(p) > budget {
			p = p[:budget]
			for len(p) > 0 && !utf8.ValidString(p) { // do not cut a character in two
				p = p[:len(p)-1]
			}
		}
		out.WriteString(p)
		budget -= len(p)
	}
	out.WriteString(note)
	return out.String()
}

// clock writes seconds as m:ss.
func clock(s float64) string {
	n := int(s + 0.5)
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// transcript is the call's transcript as the case shows it: a dialogue,
// one turn a line, when its segments name their speakers.
func transcript(res *models.Result) string {
	if !slices.ContainsFunc(res.Segments, func(s models.Segment) bool { return s.Speaker != "" }) {
		return res.Transcript
	}
	var b strings.Builder
	subtitle.WriteDialogue(&b, res.Segments)
	return strings.TrimSuffix(b.String(), "\n")
}
