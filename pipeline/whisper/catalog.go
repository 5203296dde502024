package whisper

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

//go:embed catalog.tsv
var catalogTSV []byte

// ErrChecksum reports a model file whose checksum is not the expected one.
var ErrChecksum = errors.New("model checksum mismatch")

// ErrUnknownModel reports a model name that is neither in the catalog nor
// a file.
var ErrUnknownModel = errors.New("unknown model")

// ErrModelMissing reports a catalog model that has not been fetched yet.
var ErrModelMissing = errors.New("model not provisioned")

// Model is a model file ready to load.
type Model struct {
	// Name is the catalog name, or the file's base name without "ggml-"
	// and ".bin" for a local file.
	Name string
	Path string
	// SHA256 is the file's hex SHA-256.
	SHA256 string
}

// ID names the model as "name@sha256-prefix" for results and logs.
func (m Model) ID() string {
	p := m.SHA256
	if len(p) > 12 {
		p = p[:12]
	}
	return m.Name + "@" + p
}

type catalogEntry struct {
	name, algo, digest, source string
}

// catalogEntries parses catalog.tsv, in file order.
func catalogEntries() []catalogEntry {
	var entries []catalogEntry
	sc := bufio.NewScanner(bytes.NewReader(catalogTSV))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue
		}
		algo, digest, _ := strings.Cut(f[1], ":")
		entries = append(entries, catalogEntry{name: f[0], algo: algo, digest: digest, source: f[2]})
	}
	return entries
}

func catalog() map[string]catalogEntry {
	m := map[string]catalogEntry{}
	for _, e := range catalogEntries() {
		m[e.name] = e
	}
	return m
}

// CatalogNames lists the model names the catalog knows, in file order.
func CatalogNames() []string {
	var names []string
	for _, e := range catalogEntries() {
		names = append(names, e.name)
	}
	return names
}

// ModelName is the name of the model nameOrPath names, as Resolve gives
// it: a catalog name itself, or a file's base name without "ggml-" and
// ".bin".
func ModelName(nameOrPath string) string {
	if _, ok := catalog()[nameOrPath]; ok {
		return nameOrPath
	}
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(nameOrPath), "ggml-"), ".bin")
}

// Resolve finds the model named by nameOrPath: an existing file path, or a
// catalog name looked up as cacheDir/models/ggml-NAME.bin. A catalog model
// is verified against the catalog's checksum, and a local file against
// wantSHA256 when that is not empty; a mismatch is ErrChecksum. Verified
// checksums are remembered beside the file (keyed by size and modification
// time) so that large models are hashed once.
func Resolve(nameOrPath, cacheDir, wantSHA256 string) (Model, error) {
	if nameOrPath == "" {
		return Model{}, fmt.Errorf("%w: no model given", ErrUnknownModel)
	}
	if st, err := os.Stat(nameOrPath); err == nil && st.Mode().IsRegular() {
		name := ModelName(nameOrPath)
		sum, err := fileSHA256(nameOrPath)
		if err != nil {
			return Model{}, err
		}
		if wantSHA256 != "" && !strings.EqualFold(sum, wantSHA256) {
			return Model{}, fmt.Errorf("model file %s has sha256 %s, expected %s: %w", nameOrPath, sum, wantSHA256, ErrChecksum)
		}
		return Model{Name: name, Path: nameOrPath, SHA256: sum}, nil
	}
	e, ok := catalog()[nameOrPath]
	if !ok {
		if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".bin") {
			return Model{}, fmt.Errorf("model file %s does not exist: %w", nameOrPath, ErrUnknownModel)
		}
		return Model{}, fmt.Errorf("%q is neither a model file nor one of %s: %w",
			nameOrPath, strings.Join(CatalogNames(), ", "), ErrUnknownModel)
	}
	path := filepath.Join(cacheDir, "models", "ggml-"+e.name+".bin")
	if _, err := os.Stat(path); err != nil {
		return Model{}, fmt.Errorf("model %s is not in %s (run scripts/fetch-model.sh %s): %w",
			e.name, filepath.Dir(path), e.name, ErrModelMissing)
	}
	sum, err := verifyCatalogFile(path, e)
	if err != nil {
		return Model{}, err
	}
	return Model{Name: e.name, Path: path, SHA256: sum}, nil
}

// verifyCatalogFile checks path against the catalog digest and returns its
// SHA-256, using the remembered result when the file has not changed.
func verifyCatalogFile(path string, e catalogEntry) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	stamp := fmt.Sprintf("%d %d %s:%s", st.Size(), st.ModTime().UnixNano(), e.algo, e.digest)
	memo := path + ".verified"
	if b, err := os.ReadFile(memo); err == nil {
		if got, sum, ok := strings.Cut(strings.TrimSpace(string(b)), "\n"); ok && got == stamp && len(sum) == 64 {
			return sum, nil
		}
	}
	var h hash.Hash
	switch e.algo {
	case "sha256":
		h = sha256.New()
	case "sha1":
		h = sha1.New()
	default:
		return "", fmt.Errorf("catalog entry %s: unknown digest algorithm %q", e.name, e.algo)
	}
	s256 := sha256.New()
	if err := hashFile(path, io.MultiWriter(h, s256)); err != nil {
		return "", err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.digest {
		return "", fmt.Errorf("model %s at %s has %s %s, expected %s; delete it and fetch it again: %w",
			e.name, path, e.algo, got, e.digest, ErrChecksum)
	}
	sum := hex.EncodeToString(s256.Sum(nil))
	// The memo is an optimisation: failing to write it costs a re-hash next time.
	_ = os.WriteFile(memo, []byte(stamp+"\n"+sum+"\n"), 0o644)
	return sum, nil
}

func fileSHA256(path string) (string, error) {
	h := sha256.New()
	if err := hashFile(path, h); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("read model %s: %w", path, err)
	}
	return nil
}
