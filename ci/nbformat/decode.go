package nbformat

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Validate checks that data is a notebook in nbformat 4.5 exactly: everything Parse
// checks, plus nbformat_minor 5 and a valid, unique id on every cell.
func Validate(data []byte) error {
	nb, err := Parse(data)
	if err != nil {
		return err
	}
	if nb.Minor != 5 {
		return fmt.Errorf("nbformat_minor: got %d, want 5", nb.Minor)
	}
	seen := make(map[string]bool)
	for i, c := range nb.Cells {
		if c.ID == "" {
			return fmt.Errorf("cells[%d].id: missing (required by nbformat 4.5)", i)
		}
		if seen[c.ID] {
			return fmt.Errorf("cells[%d].id: %q is not unique", i, c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

var cellKeys = map[string]map[string]bool{
	"code":     {"id": true, "cell_type": true, "metadata": true, "source": true, "execution_count": true, "outputs": true},
	"markdown": {"id": true, "cell_type": true, "metadata": true, "source": true, "attachments": true},
	"raw":      {"id": true, "cell_type": true, "metadata": true, "source": true, "attachments": true},
}

var outputKeys = map[string]map[string]bool{
	Stream:        {"output_type": true, "name": true, "text": true},
	DisplayData:   {"output_type": true, "data": true, "metadata": true, "transient": true},
	ExecuteResult: {"output_type": true, "data": true, "metadata": true, "execution_count": true},
	Error:         {"output_type": true, "ename": true, "evalue": true, "traceback": true},
}

func decodeNotebook(doc any) (*Notebook, error) {
	top, err := object(doc, "notebook")
	if err != nil {
		return nil, err
	}
	if err := onlyKeys(top, "", map[string]bool{"cells": true, "metadata": true, "nbformat": true, "nbformat_minor": true}); err != nil {
		return nil, err
	}
	nb := &Notebook{}
	if nb.Format, err = intField(top, "", "nbformat", true); err != nil {
		return nil, err
	}
	if nb.Format != 4 {
		return nil, fmt.Errorf("nbformat: got %d, want 4 (this tool reads nbformat 4.x notebooks)", nb.Format)
	}
	if nb.Minor, err = intField(top, "", "nbformat_minor", true); err != nil {
		return nil, err
	}
	if nb.Minor < 0 {
		return nil, fmt.Errorf("nbformat_minor: got %d, want a non-negative integer", nb.Minor)
	}
	if nb.Metadata, err = objectField(top, "", "metadata", true); err != nil {
		return nil, err
	}
	cells, ok := top["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("cells: got %s, want an array of cells", kind(top["cells"]))
	}
	ids := make(map[string]int)
	for i, raw := range cells {
		path := fmt.Sprintf("cells[%d]", i)
		c, err := decodeCell(raw, path)
		if err != nil {
			return nil, err
		}
		if c.ID != "" {
			if j, dup := ids[c.ID]; dup {
				return nil, fmt.Errorf("%s.id: %q already used by cells[%d]", path, c.ID, j)
			}
			ids[c.ID] = i
		}
		nb.Cells = append(nb.Cells, c)
	}
	return nb, nil
}

func decodeCell(raw any, path string) (*Cell, error) {
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	c := &Cell{}
	if c.Type, err = stringField(m, path, "cell_type", true); err != nil {
		return nil, err
	}
	allowed, ok := cellKeys[c.Type]
	if !ok {
		return nil, fmt.Errorf("%s.cell_type: got %q, want \"code\", \"markdown\" or \"raw\"", path, c.Type)
	}
	if err := onlyKeys(m, path, allowed); err != nil {
		return nil, err
	}
	if _, has := m["id"]; has {
		if c.ID, err = stringField(m, path, "id", true); err != nil {
			return nil, err
		}
		if !validID(c.ID) {
			return nil, fmt.Errorf("%s.id: %q is not a valid cell id (1-64 characters from a-z, A-Z, 0-9, - and _)", path, c.ID)
		}
	}
	if c.Metadata, err = objectField(m, path, "metadata", true); err != nil {
		return nil, err
	}
	if c.Source, err = multiline(m["source"], path+".source"); err != nil {
		return nil, err
	}
	if c.Type != "code" {
		if c.Attachments, err = objectField(m, path, "attachments", false); err != nil {
			return nil, err
		}
		return c, nil
	}
	if c.ExecutionCount, err = countField(m, path, "execution_count"); err != nil {
		return nil, err
	}
	outs, ok := m["outputs"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s.outputs: got %s, want an array of outputs", path, kind(m["outputs"]))
	}
	for j, raw := range outs {
		o, err := decodeOutput(raw, fmt.Sprintf("%s.outputs[%d]", path, j))
		if err != nil {
			return nil, err
		}
		c.Outputs = append(c.Outputs, o)
	}
	return c, nil
}

func decodeOutput(raw any, path string) (*Output, error) {
	m, err := object(raw, path)
	if err != nil {
		return nil, err
	}
	o := &Output{}
	if o.Type, err = stringField(m, path, "output_type", true); err != nil {
		return nil, err
	}
	allowed, ok := outputKeys[o.Type]
	if !ok {
		return nil, fmt.Errorf("%s.output_type: got %q, want stream, display_data, execute_result or error", path, o.Type)
	}
	if err := onlyKeys(m, path, allowed); err != nil {
		return nil, err
	}
	switch o.Type {
	case Stream:
		if o.Name, err = stringField(m, path, "name", true); err != nil {
			return nil, err
		}
		if o.Text, err = multiline(m["text"], path+".text"); err != nil {
			return nil, err
		}
	case DisplayData, ExecuteResult:
		if o.Data, err = mimeBundle(m["data"], path+".data"); err != nil {
			return nil, err
		}
		if o.Metadata, err = objectField(m, path, "metadata", true); err != nil {
			return nil, err
		}
		if o.Type == ExecuteResult {
			if o.ExecutionCount, err = countField(m, path, "execution_count"); err != nil {
				return nil, err
			}
		}
	case Error:
		if o.EName, err = stringField(m, path, "ename", true); err != nil {
			return nil, err
		}
		if o.EValue, err = stringField(m, path, "evalue", true); err != nil {
			return nil, err
		}
		tb, ok := m["traceback"].([]any)
		if !ok {
			return nil, fmt.Errorf("%s.traceback: got %s, want an array of strings", path, kind(m["traceback"]))
		}
		o.Traceback = make([]string, len(tb))
		for i, v := range tb {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("%s.traceback[%d]: got %s, want a string", path, i, kind(v))
			}
			o.Traceback[i] = s
		}
	}
	return o, nil
}

// mimeBundle decodes a MIME bundle: text types become strings, JSON types stay as decoded JSON.
func mimeBundle(v any, path string) (map[string]any, error) {
	m, err := object(v, path)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if isJSONMime(k) {
			out[k] = v
			continue
		}
		s, err := multiline(v, path+"["+strconv.Quote(k)+"]")
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

// multiline decodes a string stored either whole or as a list of lines.
func multiline(v any, path string) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []any:
		var s []byte
		for i, part := range v {
			p, ok := part.(string)
			if !ok {
				return "", fmt.Errorf("%s[%d]: got %s, want a string", path, i, kind(part))
			}
			s = append(s, p...)
		}
		return string(s), nil
	}
	return "", fmt.Errorf("%s: got %s, want a string or an array of strings", path, kind(v))
}

func object(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: got %s, want an object", path, kind(v))
	}
	return m, nil
}

func onlyKeys(m map[string]any, path string, allowed map[string]bool) error {
	for k := range m {
		if !allowed[k] {
			return fmt.Errorf("%s: unexpected key %q", join(path, k), k)
		}
	}
	return nil
}

func objectField(m map[string]any, path, key string, required bool) (map[string]any, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return nil, fmt.Errorf("%s: missing", join(path, key))
		}
		return nil, nil
	}
	return object(v, join(path, key))
}

func stringField(m map[string]any, path, key string, required bool) (string, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return "", fmt.Errorf("%s: missing", join(path, key))
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: got %s, want a string", join(path, key), kind(v))
	}
	return s, nil
}

func intField(m map[string]any, path, key string, required bool) (int, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return 0, fmt.Errorf("%s: missing", join(path, key))
		}
		return 0, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s: got %s, want an integer", join(path, key), kind(v))
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: got %s, want an integer", join(path, key), n)
	}
	return int(i), nil
}

// countField decodes an execution count: a non-negative integer or null.
func countField(m map[string]any, path, key string) (*int, error) {
	v, ok := m[key]
	if !ok {
		return nil, fmt.Errorf("%s: missing (use null for a cell never run)", join(path, key))
	}
	if v == nil {
		return nil, nil
	}
	n, err := intField(m, path, key, true)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("%s: got %d, want a non-negative integer or null", join(path, key), n)
	}
	return &n, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "the number " + string(v)
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
