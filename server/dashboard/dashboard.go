// Package dashboard serves the live triage dashboard: a page of plain ES
// modules and CSS, embedded in the binary (no build step, no CDN: it works
// on a LAN without the internet). The page talks to the service's own API
// (GET /whoami, /audio/tasks, /audio/queue, /metrics, uploads) and follows
// tasks over the WebSocket at /ws.
package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/openchs/openchs-ai/server/reply"
)

//go:embed web
var web embed.FS

// Prefix is the path under which the page's assets are served; the page
// itself is served at "/".
const Prefix = "/dashboard/"

// asset is one embedded file, ready to serve.
type asset struct {
	body, gz []byte
	etag     string
	ctype    string
}

// Handler serves the page at "/" and its assets under Prefix. Every reply
// may be cached but is revalidated (ETag), is gzip-compressed for clients
// that accept it, and carries a content security policy that lets the page
// reach only its own origin.
func Handler() http.Handler {
	assets := map[string]*asset{}
	err := fs.WalkDir(web, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := web.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := &asset{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: mime.TypeByExtension(path.Ext(p))}
		if strings.HasSuffix(p, ".js") { // some systems' mime tables lack it or say text/plain
			a.ctype = "text/javascript; charset=utf-8"
		}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if z.Len() < len(b) {
			a.gz = z.Bytes()
		}
		assets[strings.TrimPrefix(p, "web/")] = a
		return nil
	})
	if err != nil {
		panic("dashboard: embedded assets unreadable: " + err.Error()) // cannot happen: embed checked them at build
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "index.html"
		if r.URL.Path != "/" {
			name = strings.TrimPrefix(r.URL.Path, Prefix)
		}
		a := assets[name]
		if a == nil || name == "index.html" && r.URL.Path != "/" {
			reply.Error(w, http.StatusNotFound, "not_found", "No such dashboard file.", map[string]any{"path": r.URL.Path})
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; connect-src 'self'; "+
			"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(body)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
