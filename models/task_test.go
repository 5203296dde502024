package models_test

import (
	"math"
	"strings"
	"testing"

	"github.com/openchs/openchs-ai/models"
)

func TestTaskValidate(t *testing.T) {
	tests := []struct {
		name    string
		task    models.Task
		wantErr string
	}{
		{"queued", models.Task{TaskID: "a", Status: models.StatusQueued}, ""},
		{"completed without result", models.Task{TaskID: "a", Status: models.StatusCompleted}, "no result"},
		{"cancelled without error", models.Task{TaskID: "a", Status: models.StatusCancelled}, "carries no error"},
		{"unknown status", models.Task{TaskID: "a", Status: "done"}, "not one of"},
		{"progress over 100", models.Task{TaskID: "a", Status: models.StatusProcessing, Progress: 101}, "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.task.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestTaskOptionsChannels(t *testing.T) {
	tests := []struct {
		channels, agent string
		ok              bool
	}{
		{"", "", true}, {"mix", "", true}, {"split", "left", true}, {"split", "right", true},
		{"stereo", "", false}, {"split", "centre", false}, {"SPLIT", "", false},
	}
	for _, tt := range tests {
		o := models.DefaultTaskOptions()
		o.Channels, o.AgentChannel = tt.channels, tt.agent
		if err := o.Validate(); (err == nil) != tt.ok {
			t.Errorf("channels %q agent_channel %q: Validate() = %v", tt.channels, tt.agent, err)
		}
	}
}

func TestTaskOptionsValidate(t *testing.T) {
	tests := []struct {
		lang string
		ok   bool
	}{{"sw", true}, {"auto", true}, {"en", true}, {"haw", true}, {"", false}, {"SW", false}, {"swahili", false}}
	for _, tt := range tests {
		o := models.DefaultTaskOptions()
		o.Language = tt.lang
		if err := o.Validate(); (err == nil) != tt.ok {
			t.Errorf("language %q: Validate() = %v", tt.lang, err)
		}
	}
}

func TestTaskOptionsPromptAndTemperature(t *testing.T) {
	tests := []struct {
		name        string
		prompt      string
		temperature float64
		ok          bool
	}{
		{"defaults", "", 0, true},
		{"a prompt and temperature 1", strings.Repeat("a", 4096), 1, true},
		{"a prompt over 4096 bytes", strings.Repeat("a", 4097), 0, false},
		{"a negative temperature", "", -0.1, false},
		{"a temperature above 1", "", 1.1, false},
		{"NaN", "", math.NaN(), false},
	}
	for _, tt := range tests {
		o := models.DefaultTaskOptions()
		o.Prompt, o.Temperature = tt.prompt, tt.temperature
		if err := o.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
	}
}

func TestStatusTerminal(t *testing.T) {
	for s, want := range map[models.TaskStatus]bool{
		models.StatusQueued: false, models.StatusProcessing: false,
		models.StatusCompleted: true, models.StatusFailed: true, models.StatusCancelled: true,
	} {
		if s.Terminal() != want {
			t.Errorf("%s.Terminal() = %v", s, !want)
		}
	}
}
