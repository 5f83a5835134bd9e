package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// RecordedView puts values computed by the model that ran next to the
// values recorded with the real Qwen3.5-0.8B for the same prompt (see
// llm.Model.VsRecorded), labelled "recorded with Qwen3.5-0.8B". On the real
// model each row is marked ✓ when the two agree. It is a table; it has no
// script.
type RecordedView struct {
	Title string
	R     *llm.Recorded
}

// FromRecorded shows a comparison made by llm.Model.VsRecorded.
func FromRecorded(r *llm.Recorded) RecordedView {
	return RecordedView{R: r}
}

func (v RecordedView) check() error {
	if v.R == nil || len(v.R.Rows) == 0 {
		return fmt.Errorf("widgets: RecordedView: nothing to compare")
	}
	return nil
}

func (v RecordedView) title() string {
	if v.Title != "" {
		return v.Title
	}
	return fmt.Sprintf("%q: this run beside the recording", v.R.Prompt)
}

// HTML renders the table.
func (v RecordedView) HTML() (string, error) {
	if err := v.check(); err != nil {
		return "", err
	}
	live, rec := v.R.Header()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-recorded" id="%s">%s<h4>%s</h4><table><thead><tr><th scope="col"></th><th scope="col">%s</th><th scope="col">%s</th>`,
		newID(), style, esc(v.title()), esc(live), esc(rec))
	if v.R.Real {
		b.WriteString(`<th scope="col">agree</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for _, r := range v.R.Rows {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th><td class="live" style="text-align:left">%s</td><td class="rec" style="text-align:left">%s</td>`, esc(r.What), esc(r.Live), esc(r.Recorded))
		if v.R.Real {
			if r.Agree {
				b.WriteString(`<td class="ok">✓</td>`)
			} else {
				b.WriteString(`<td class="bad">✗</td>`)
			}
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	note := "The recorded column comes from the real Qwen3.5-0.8B (bf16), not from this run: it shows what the full-size trained model does with the same prompt."
	if v.R.Real {
		note = "This run is the real Qwen3.5-0.8B: its values should agree with the recording (probabilities within 0.05, as bf16 and float32 differ slightly)."
	}
	fmt.Fprintf(&b, `<p class="note">%s</p></div>`, esc(note))
	return b.String(), nil
}

// Text renders the comparison as llm.Recorded.String does.
func (v RecordedView) Text() (string, error) {
	if err := v.check(); err != nil {
		return "", err
	}
	return v.R.String(), nil
}
