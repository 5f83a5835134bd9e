package hub

import "testing"

func TestEndpointHost(t *testing.T) {
	for in, want := range map[string]string{
		"https://huggingface.co":       "huggingface.co",
		"http://127.0.0.1:8080/mirror": "127.0.0.1:8080",
		"not a url":                    "not a url",
	} {
		if got := endpointHost(in); got != want {
			t.Errorf("endpointHost(%q) = %q, want %q", in, got, want)
		}
	}
}
