package widgets

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Choice is one answer of a quiz question, with the explanation shown when
// it is picked.
type Choice struct {
	Text    string
	Correct bool
	Why     string
}

// Question is one multiple-choice question: exactly one choice is correct.
type Question struct {
	Prompt  string
	Choices []Choice
}

// Quiz is a quick-check: multiple-choice questions with instant feedback
// and an explanation per choice. Radio buttons give the feedback in the
// browser; each question also carries an "Answer" disclosure that works
// without JavaScript. Validate and Check let Go code (and CI) verify the
// quiz itself.
type Quiz struct {
	Title     string
	Questions []Question
}

// ParseQuiz reads a quiz written one line per question and per choice,
// so a notebook cell holds a quiz in a few lines:
//
//	? What are logits?
//	- Probabilities that add up to 1 | That is what softmax makes of them.
//	+ Raw scores, one per vocabulary entry | Yes: softmax turns them into probabilities.
//
// A line starting with "?" is a question; "+" a correct choice and "-" a
// wrong one, each with its explanation after " | ". Blank lines are
// skipped and surrounding spaces trimmed. The quiz must pass Validate.
// Errors name the line.
func ParseQuiz(title, text string) (Quiz, error) {
	q := Quiz{Title: title}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		mark, size := utf8.DecodeRuneInString(line)
		rest := strings.TrimSpace(line[size:])
		switch mark {
		case '?':
			q.Questions = append(q.Questions, Question{Prompt: rest})
		case '+', '-':
			if len(q.Questions) == 0 {
				return Quiz{}, fmt.Errorf("widgets: ParseQuiz %q: line %d: a choice before the first question (start it with \"? \")", title, n+1)
			}
			text, why, ok := strings.Cut(rest, " | ")
			if !ok {
				return Quiz{}, fmt.Errorf("widgets: ParseQuiz %q: line %d: no \" | \" between the choice and its explanation: %q", title, n+1, line)
			}
			qu := &q.Questions[len(q.Questions)-1]
			qu.Choices = append(qu.Choices, Choice{Text: strings.TrimSpace(text), Correct: mark == '+', Why: strings.TrimSpace(why)})
		default:
			return Quiz{}, fmt.Errorf("widgets: ParseQuiz %q: line %d: starts with %q: want \"?\" (question), \"+\" (right choice) or \"-\" (wrong choice)", title, n+1, mark)
		}
	}
	if err := q.Validate(); err != nil {
		return Quiz{}, err
	}
	return q, nil
}

// MustParseQuiz is ParseQuiz for notebook cells: it panics with
// ParseQuiz's error.
func MustParseQuiz(title, text string) Quiz {
	q, err := ParseQuiz(title, text)
	if err != nil {
		panic(err)
	}
	return q
}

// Grade says in a sentence how answers (one 0-based choice index per
// question) score, for the cell that checks a learner's picks. It cannot
// fail: with no answers it says the quiz is sound and asks for them, and
// answers it cannot score (too few, out of range) are explained.
func (q Quiz) Grade(answers []int) string {
	if err := q.Validate(); err != nil {
		return "this quiz cannot be graded: " + err.Error()
	}
	if len(answers) == 0 {
		return fmt.Sprintf("the quiz has %d questions, each with exactly one right answer: fill in answers (one choice per question, counting from 0) and run again", len(q.Questions))
	}
	score, err := q.Check(answers)
	if err != nil {
		return err.Error()
	}
	var wrong []string
	for i, a := range answers {
		if !q.Questions[i].Choices[a].Correct {
			wrong = append(wrong, fmt.Sprint(i+1))
		}
	}
	if len(wrong) == 0 {
		return fmt.Sprintf("%d of %d right", score, len(q.Questions))
	}
	return fmt.Sprintf("%d of %d right (look again at question %s)", score, len(q.Questions), strings.Join(wrong, ", "))
}

// Validate reports the first inconsistency: a question without a prompt,
// with fewer than two choices, without exactly one correct choice, or a
// choice without text or explanation.
func (q Quiz) Validate() error {
	if len(q.Questions) == 0 {
		return fmt.Errorf("widgets: Quiz %q: no questions", q.Title)
	}
	for i, qu := range q.Questions {
		if strings.TrimSpace(qu.Prompt) == "" {
			return fmt.Errorf("widgets: Quiz %q: question %d: empty prompt", q.Title, i+1)
		}
		if len(qu.Choices) < 2 {
			return fmt.Errorf("widgets: Quiz %q: question %d: %d choices: want at least 2", q.Title, i+1, len(qu.Choices))
		}
		right := 0
		for j, c := range qu.Choices {
			if strings.TrimSpace(c.Text) == "" {
				return fmt.Errorf("widgets: Quiz %q: question %d: choice %d: empty text", q.Title, i+1, j+1)
			}
			if strings.TrimSpace(c.Why) == "" {
				return fmt.Errorf("widgets: Quiz %q: question %d: choice %d (%q): no explanation", q.Title, i+1, j+1, c.Text)
			}
			if c.Correct {
				right++
			}
		}
		if right != 1 {
			return fmt.Errorf("widgets: Quiz %q: question %d: %d correct choices: want exactly 1", q.Title, i+1, right)
		}
	}
	return nil
}

// Answer returns the index of the correct choice of question i (0-based).
func (q Quiz) Answer(i int) (int, error) {
	if err := q.Validate(); err != nil {
		return 0, err
	}
	if i < 0 || i >= len(q.Questions) {
		return 0, fmt.Errorf("widgets: Quiz %q: question index %d: want 0 ≤ i < %d (the quiz has %d questions)", q.Title, i, len(q.Questions), len(q.Questions))
	}
	for j, c := range q.Questions[i].Choices {
		if c.Correct {
			return j, nil
		}
	}
	panic("unreachable: Validate ensures one correct choice")
}

// Check scores answers (one 0-based choice index per question) and returns
// how many are correct. It fails on an invalid quiz, a missing answer or an
// index out of range.
func (q Quiz) Check(answers []int) (int, error) {
	if err := q.Validate(); err != nil {
		return 0, err
	}
	if len(answers) != len(q.Questions) {
		return 0, fmt.Errorf("widgets: Quiz %q: %d answers for %d questions", q.Title, len(answers), len(q.Questions))
	}
	score := 0
	for i, a := range answers {
		if a < 0 || a >= len(q.Questions[i].Choices) {
			return 0, fmt.Errorf("widgets: Quiz %q: question %d (answers[%d]): answer %d: want a choice index 0 ≤ answer < %d", q.Title, i+1, i, a, len(q.Questions[i].Choices))
		}
		if q.Questions[i].Choices[a].Correct {
			score++
		}
	}
	return score, nil
}

// HTML renders the quiz.
func (q Quiz) HTML() (string, error) {
	if err := q.Validate(); err != nil {
		return "", err
	}
	id := newID()
	title := q.Title
	if title == "" {
		title = "Quick check"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-quiz" id="%s">%s<h4>%s</h4>`, id, style, esc(title))
	type qdata struct {
		Right int      `json:"right"`
		Why   []string `json:"why"`
	}
	var data []qdata
	for i, qu := range q.Questions {
		fmt.Fprintf(&b, `<fieldset data-q="%d"><legend>%d. %s</legend>`, i, i+1, esc(qu.Prompt))
		d := qdata{}
		for j, c := range qu.Choices {
			b.WriteString(idf(id, `<div><input type="radio" name="{id}-q%d" id="{id}-q%d-%d" value="%d"> <label for="{id}-q%d-%d">%s</label></div>`,
				i, i, j, j, i, j, esc(c.Text)))
			d.Why = append(d.Why, c.Why)
			if c.Correct {
				d.Right = j
			}
		}
		data = append(data, d)
		b.WriteString(idf(id, `<p class="fb" id="{id}-q%d-fb" aria-live="polite"></p><details><summary>Answer</summary><ul>`, i))
		for _, c := range qu.Choices {
			mark := "✗"
			if c.Correct {
				mark = "✓"
			}
			fmt.Fprintf(&b, `<li>%s %s — %s</li>`, mark, esc(c.Text), esc(c.Why))
		}
		b.WriteString(`</ul></details></fieldset>`)
	}
	b.WriteString(script(id, jsonData(data), quizJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

const quizJS = `qa(r,"fieldset").forEach(function(fs){var i=+fs.getAttribute("data-q"),fb=q(fs,".fb");
qa(fs,"input[type=radio]").forEach(function(inp){inp.addEventListener("change",function(){var j=+inp.value,ok=j===D[i].right;
fb.className="fb "+(ok?"ok":"bad");fb.textContent=(ok?"✓ Correct — ":"✗ Not quite — ")+D[i].why[j];});});});`

// Text renders the quiz with its answers marked.
func (q Quiz) Text() (string, error) {
	if err := q.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	title := q.Title
	if title == "" {
		title = "Quick check"
	}
	b.WriteString(title + "\n")
	for i, qu := range q.Questions {
		fmt.Fprintf(&b, "%d. %s\n", i+1, qu.Prompt)
		for j, c := range qu.Choices {
			mark := " "
			if c.Correct {
				mark = "✓"
			}
			fmt.Fprintf(&b, "   %s %c) %s — %s\n", mark, 'a'+j, c.Text, c.Why)
		}
	}
	return b.String(), nil
}
