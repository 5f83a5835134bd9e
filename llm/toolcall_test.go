package llm

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseToolCall(t *testing.T) {
	text := "  <tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=unit>\ncelsius\n</parameter>\n</function>\n</tool_call>\n"
	want := ToolCall{Name: "get_weather", Params: []Param{{"city", "Paris"}, {"unit", "celsius"}}}
	got, err := ParseToolCall(text)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	if s := want.String(); s != strings.TrimSpace(text) {
		t.Errorf("String() = %q", s)
	}
	for _, bad := range []string{
		"", "Paris", "<tool_call></tool_call>", "<tool_call><function=f></tool_call>",
		"<tool_call><function=a b></function></tool_call>",
		"<tool_call><function=f><parameter=x>1</function></tool_call>",
		"<tool_call><function=f>junk</function></tool_call>",
		"<tool_call><function=f></function>",
	} {
		if _, err := ParseToolCall(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

func FuzzParseToolCall(f *testing.F) {
	f.Add("f", "k", "v")
	f.Add("get_weather", "city", "\nParis\n")
	f.Fuzz(func(t *testing.T, name, key, value string) {
		_, _ = ParseToolCall(name + key + value) // never panics
		if !validName(name) || !validName(key) || strings.Contains(value, "</parameter>") {
			return
		}
		tc := ToolCall{Name: name, Params: []Param{{key, value}}}
		got, err := ParseToolCall(tc.String())
		if err != nil || !reflect.DeepEqual(got, tc) {
			t.Errorf("round trip of %+v: %+v, %v", tc, got, err)
		}
	})
}
