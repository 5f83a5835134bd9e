//go:build linux

package widgets_test

import (
	"encoding/gob"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/how-llms-work/course/widgets"
)

// TestShowInGoNB plays GoNB's side of the display pipe: Show must send one
// display_data with the HTML and the plain text, and a Progress must
// update one display id in place.
func TestShowInGoNB(t *testing.T) {
	dir := t.TempDir()
	out, back := filepath.Join(dir, "out"), filepath.Join(dir, "back")
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(back, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Hold the back pipe open (never writing) so gonbui's reader can open it.
	hold, err := os.OpenFile(back, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(protocol.GONB_PIPE_ENV, out)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, back)
	gonbui.IsNotebook = true
	t.Cleanup(func() { gonbui.IsNotebook = false; hold.Close() })

	if err := widgets.Show(toy()); err != nil {
		t.Fatal(err)
	}
	p := widgets.NewProgress("download", 100)
	p.Set(100)
	p.Finish()
	if err := widgets.Show(widgets.SoftmaxTable{}); err == nil {
		t.Error("Show of an invalid widget: want error")
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := gob.NewDecoder(f)
	var msgs []protocol.DisplayData
	syncs := 0
	for {
		var m protocol.DisplayData
		if err := dec.Decode(&m); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("decode message %d: %v", len(msgs), err)
			}
			break
		}
		if _, ok := m.Data[protocol.MIMECommValue]; ok {
			syncs++ // a flush: GoNB is asked to acknowledge what it received
			continue
		}
		msgs = append(msgs, m)
	}
	if syncs < 2 {
		t.Errorf("%d sync requests, want one after Show and one after Finish", syncs)
	}
	if len(msgs) < 3 {
		t.Fatalf("%d display messages, want the table and at least two progress updates", len(msgs))
	}
	h, _ := msgs[0].Data[protocol.MIMETextHTML].(string)
	txt, _ := msgs[0].Data[protocol.MIMETextPlain].(string)
	if !strings.Contains(h, `class="llmw llmw-softmax"`) || !strings.Contains(txt, "19.064") || msgs[0].DisplayID != "" {
		t.Errorf("first message: html %.60q, text %.60q, display id %q", h, txt, msgs[0].DisplayID)
	}
	id := msgs[1].DisplayID
	if id == "" {
		t.Fatal("progress update without a display id")
	}
	for _, m := range msgs[1:] {
		if m.DisplayID != id {
			t.Errorf("progress updates go to %q and %q: want one output block", id, m.DisplayID)
		}
	}
	last, _ := msgs[len(msgs)-1].Data[protocol.MIMETextHTML].(string)
	if !strings.Contains(last, `value="100"`) || !strings.Contains(last, "100%") {
		t.Errorf("last progress update %q, want 100%%", last)
	}
}
