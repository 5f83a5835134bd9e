package llm

import (
	"fmt"
	"strings"
)

// ToolCall is a call to a tool in the format Qwen3.5 is taught to emit:
//
//	<tool_call>
//	<function=NAME>
//	<parameter=KEY>
//	VALUE
//	</parameter>
//	</function>
//	</tool_call>
type ToolCall struct {
	Name   string
	Params []Param // in the order written
}

// Param is one argument of a [ToolCall].
type Param struct{ Key, Value string }

// String writes the call in the format [ParseToolCall] reads.
func (tc ToolCall) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<tool_call>\n<function=%s>\n", tc.Name)
	for _, p := range tc.Params {
		fmt.Fprintf(&b, "<parameter=%s>\n%s\n</parameter>\n", p.Key, p.Value)
	}
	b.WriteString("</function>\n</tool_call>")
	return b.String()
}

// ParseToolCall reads one tool call from text (surrounding white space
// allowed). The error says which part is missing or malformed.
func ParseToolCall(text string) (ToolCall, error) {
	var tc ToolCall
	s := strings.TrimSpace(text)
	body, ok := strings.CutPrefix(s, "<tool_call>")
	if !ok {
		return tc, fmt.Errorf("llm: tool call: want it to start with <tool_call>, got %q", head(s))
	}
	body, ok = strings.CutSuffix(body, "</tool_call>")
	if !ok {
		return tc, fmt.Errorf("llm: tool call: no closing </tool_call>")
	}
	body = strings.TrimSpace(body)
	rest, ok := strings.CutPrefix(body, "<function=")
	if !ok {
		return tc, fmt.Errorf("llm: tool call: want <function=NAME> inside <tool_call>, got %q", head(body))
	}
	name, rest, ok := strings.Cut(rest, ">")
	if !ok || !validName(name) {
		return tc, fmt.Errorf("llm: tool call: bad function name %q", head(name))
	}
	tc.Name = name
	rest, ok = strings.CutSuffix(strings.TrimSpace(rest), "</function>")
	if !ok {
		return tc, fmt.Errorf("llm: tool call: function %s has no closing </function>", name)
	}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		after, ok := strings.CutPrefix(rest, "<parameter=")
		if !ok {
			return tc, fmt.Errorf("llm: tool call: function %s: want <parameter=KEY>, got %q", name, head(rest))
		}
		key, after, ok := strings.Cut(after, ">")
		if !ok || !validName(key) {
			return tc, fmt.Errorf("llm: tool call: function %s: bad parameter name %q", name, head(key))
		}
		value, after, ok := strings.Cut(after, "</parameter>")
		if !ok {
			return tc, fmt.Errorf("llm: tool call: parameter %s has no closing </parameter>", key)
		}
		value = strings.TrimPrefix(value, "\n")
		value = strings.TrimSuffix(value, "\n")
		tc.Params = append(tc.Params, Param{Key: key, Value: value})
		rest = after
	}
	return tc, nil
}

// MustParseToolCall is ParseToolCall for notebook cells: it panics with its
// error.
func MustParseToolCall(text string) ToolCall {
	tc, err := ParseToolCall(text)
	if err != nil {
		panic(err)
	}
	return tc
}

// validName reports whether s is a function or parameter name: letters,
// digits, '_', '-' and '.', not empty.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// head returns the start of s for an error message.
func head(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
