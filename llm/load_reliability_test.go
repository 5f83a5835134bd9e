package llm

import (
	"strings"
	"testing"
)

// TestRefWithRevisionIsNotAFolder: owner/name@revision goes to the Hub even
// when the revision holds slashes; real folders stay folders.
func TestRefWithRevisionIsNotAFolder(t *testing.T) {
	for ref, path := range map[string]bool{
		"Qwen/Qwen3.5-0.8B@main":      false,
		"Qwen/Qwen3.5-0.8B@refs/pr/1": false,
		"Qwen/Qwen3.5-0.8B":           false,
		"models/qwen/weights":         true,
		"./Qwen@2/x":                  true,
		"/data/Org/M@v1":              true,
	} {
		if got := looksLikePath(ref); got != path {
			t.Errorf("looksLikePath(%q) = %v, want %v", ref, got, path)
		}
	}
}

// TestLoadDefaultWarnsOnce: with the Hub unreachable, the first Load("")
// waits for the probe and says why it falls back; the next (another notebook
// cell, sharing the cache) falls back at once and silently.
func TestLoadDefaultWarnsOnce(t *testing.T) {
	url := closedURL()
	first, notice1 := testLoader(t, url, nil)
	if m, err := first.Load(""); err != nil || m.Name != Tiny {
		t.Fatalf("first Load: %v, %v", m, err)
	}
	if !strings.Contains(notice1.String(), "could not be reached") {
		t.Errorf("first notice %q", notice1.String())
	}
	second, notice2 := testLoader(t, url, nil)
	second.Hub.Cache = first.Hub.Cache
	if m, err := second.Load(""); err != nil || m.Name != Tiny {
		t.Fatalf("second Load: %v, %v", m, err)
	}
	if notice2.Len() != 0 {
		t.Errorf("the second Load repeated the notice: %q", notice2.String())
	}
}
