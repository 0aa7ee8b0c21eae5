package phase

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Redacted replaces secrets in logs and events.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest value the Redactor hides; shorter ones
// would blank out ordinary words.
const minSecretLen = 6

// Redactor replaces registered secrets in text. It also hides each
// secret's quoted and JSON-escaped forms, and each long line of a
// multi-line secret (a PEM key), since logs escape newlines.
type Redactor struct {
	mu       sync.Mutex
	secrets  map[string]bool
	replacer *strings.Replacer // rebuilt after Add
}

// NewRedactor returns a Redactor hiding secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{secrets: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add registers more secrets.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		for _, v := range variants(s) {
			if len(strings.TrimSpace(v)) >= minSecretLen && !r.secrets[v] {
				r.secrets[v] = true
				r.replacer = nil
			}
		}
	}
}

// variants are the forms in which s may show up in a log line.
func variants(s string) []string {
	s = strings.TrimSpace(s)
	quoted := strconv.Quote(s)
	js, _ := json.Marshal(s)
	out := []string{s, quoted[1 : len(quoted)-1], string(js[1 : len(js)-1])}
	if strings.Contains(s, "\n") {
		for _, line := range strings.Split(s, "\n") {
			line = strings.TrimSpace(line)
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				out = append(out, line)
			}
		}
	}
	return out
}

// Redact returns s with every secret replaced by Redacted.
func (r *Redactor) Redact(s string) string {
	if s == "" {
		return s
	}
	rep := r.current()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// current returns the replacer, longest secrets first so that a secret
// containing another is replaced whole.
func (r *Redactor) current() *strings.Replacer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer != nil || len(r.secrets) == 0 {
		return r.replacer
	}
	keys := make([]string, 0, len(r.secrets))
	for k := range r.secrets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, k, Redacted)
	}
	r.replacer = strings.NewReplacer(pairs...)
	return r.replacer
}

// Writer returns a writer that redacts each write before passing it to
// w. slog handlers write one record per call, so secrets registered
// after a logger was made are still hidden.
func (r *Redactor) Writer(w io.Writer) io.Writer { return redactWriter{r: r, w: w} }

type redactWriter struct {
	r *Redactor
	w io.Writer
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// NewDebugLogger returns the debug log kubeup always writes (to a file in
// the state directory): every record at debug level and above, as text,
// with r's secrets redacted.
func NewDebugLogger(w io.Writer, r *Redactor) *slog.Logger {
	return slog.New(slog.NewTextHandler(r.Writer(w), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func isInterrupted(err error) bool { return errors.Is(err, ErrInterrupted) }

// errAttr logs err, or nothing when it is nil.
func errAttr(err error) slog.Attr {
	if err == nil {
		return slog.Attr{}
	}
	return slog.String("err", err.Error())
}
