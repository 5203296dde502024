package whisper

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCatalogWellFormed(t *testing.T) {
	names := CatalogNames()
	entries := catalog()
	if len(names) != len(entries) {
		t.Fatalf("catalog has %d lines but %d distinct names", len(names), len(entries))
	}
	for _, n := range names {
		e := entries[n]
		want := map[string]int{"sha1": 40, "sha256": 64}[e.algo]
		if want == 0 || len(e.digest) != want {
			t.Errorf("%s: digest %s:%s is not a sha1 or sha256 hex digest", n, e.algo, e.digest)
		}
		if !strings.HasPrefix(e.source, "deb:") && !strings.HasPrefix(e.source, "url:") {
			t.Errorf("%s: source %q is neither deb: nor url:", n, e.source)
		}
	}
	if _, ok := entries["tiny-q8_0"]; !ok {
		t.Error("the default model tiny-q8_0 is not in the catalog")
	}
}

func TestResolve(t *testing.T) {
	cache := t.TempDir()
	models := filepath.Join(cache, "models")
	if err := os.MkdirAll(models, 0o755); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(models, "ggml-base.bin")
	if err := os.WriteFile(corrupt, []byte("not the base model"), 0o644); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "ggml-custom-sw.bin")
	if err := os.WriteFile(local, []byte("a fine-tuned model"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("a fine-tuned model"))
	localSum := hex.EncodeToString(sum[:])

	tests := []struct {
		name, arg, sha string
		want           error
		wantID         string
	}{
		{"corrupt catalog model", "base", "", ErrChecksum, ""},
		{"unfetched catalog model", "small", "", ErrModelMissing, ""},
		{"unknown name", "enormous", "", ErrUnknownModel, ""},
		{"missing file", "/no/such/ggml-x.bin", "", ErrUnknownModel, ""},
		{"local file", local, "", nil, "custom-sw@" + localSum[:12]},
		{"local file, right checksum", local, localSum, nil, "custom-sw@" + localSum[:12]},
		{"local file, wrong checksum", local, strings.Repeat("0", 64), ErrChecksum, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Resolve(tt.arg, cache, tt.sha)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Resolve(%q) = %v, want %v", tt.arg, err, tt.want)
			}
			if err == nil && m.ID() != tt.wantID {
				t.Errorf("ID %q, want %q", m.ID(), tt.wantID)
			}
		})
	}
}

func TestResolveRechecksChangedFile(t *testing.T) {
	m := testModel(t)
	cache := t.TempDir()
	dst := filepath.Join(cache, "models", "ggml-tiny-q8_0.bin")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve("tiny-q8_0", cache, ""); err != nil {
		t.Fatalf("intact copy: %v", err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve("tiny-q8_0", cache, ""); !errors.Is(err, ErrChecksum) {
		t.Fatalf("one flipped byte after a successful check: got %v, want ErrChecksum", err)
	}
}
