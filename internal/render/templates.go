package render

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"
)

//go:embed templates/*
var templateFS embed.FS

// execute renders templates/name with data. Unit templates share the
// helpers in exec.tmpl.
func execute(name string, data any) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").
		ParseFS(templateFS, "templates/exec.tmpl", "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("execute template %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// static returns templates/name unchanged.
func static(name string) ([]byte, error) {
	b, err := templateFS.ReadFile("templates/" + name)
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", name, err)
	}
	return b, nil
}
