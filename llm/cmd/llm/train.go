package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
	"github.com/how-llms-work/course/llm/train"
)

// runGrad: llm grad -model DIR -ids 1,2,3 -out FILE
//
// Computes, in float64, the gradient of the mean next-token cross-entropy
// of the ids with respect to every text-model tensor, writes it as float32
// safetensors under the checkpoint's tensor names and prints the loss.
func runGrad(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("grad", flag.ContinueOnError)
	dir := fs.String("model", "", "checkpoint directory (config.json, model.safetensors)")
	idsFlag := fs.String("ids", "", "comma-separated token ids (at least 2)")
	out := fs.String("out", "", "output safetensors file")
	f32 := fs.Bool("f32", false, "compute in float32 instead of float64")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *idsFlag == "" || *out == "" {
		return errors.New("usage: llm grad -model DIR -ids 1,2,3 -out FILE")
	}
	ids, err := parseTokenIDs(*idsFlag)
	if err != nil {
		return err
	}
	if len(ids) < 2 {
		return fmt.Errorf("-ids: %d token(s); the loss needs at least 2 (one prediction)", len(ids))
	}
	var loss float64
	if *f32 {
		loss, err = gradTo[float32](*dir, ids, *out)
	} else {
		loss, err = gradTo[float64](*dir, ids, *out)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loss %.10f nats over %d predicted tokens\nwrote %s\n", loss, len(ids)-1, *out)
	return nil
}

func gradTo[F train.Float](dir string, ids []int, out string) (float64, error) {
	m, err := train.Load[F](dir)
	if err != nil {
		return 0, err
	}
	g := make([]F, len(m.Params))
	loss, err := m.Grad(g, [][]int{ids})
	if err != nil {
		return 0, err
	}
	return loss, m.WriteGrad(out, g, loss)
}

// parseTokenIDs parses "1,2,3".
func parseTokenIDs(s string) ([]int, error) {
	var ids []int
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("-ids: item %d %q is not a token id", i, f)
		}
		ids = append(ids, v)
	}
	return ids, nil
}

// runTrain: llm train -config FILE -tokenizer FILE -out DIR [flags]
//
// Trains a model from scratch (or resumes DIR) on the Brown corpus
// training split (or text files), checkpointing to DIR, and at the end
// evaluates on the held-out split against n-gram baselines, exports a BF16
// checkpoint and writes sample generations. SIGINT or SIGTERM stops it after
// the current step with a checkpoint that the same command resumes (a second
// signal kills it at once).
func runTrain(args []string, stdout io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // the next signal gets the default action
	return trainUntil(ctx, args, stdout)
}

// trainUntil is runTrain until ctx is done: then it checkpoints after the
// step in progress and returns nil, leaving out the final evaluation.
func trainUntil(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "config.json with the model's shapes")
	tokPath := fs.String("tokenizer", "", "tokenizer.json (its directory may hold tokenizer_config.json)")
	outDir := fs.String("out", "", "checkpoint directory (F32 weights, AdamW state, train.json, loss.csv, report); if it holds a checkpoint, the run resumes with that checkpoint's config and options (only -steps can change)")
	export := fs.String("export", "", "at the end, write the BF16 model.safetensors here (config.json only if absent); every checkpoint also writes OUT/bf16")
	reportDir := fs.String("report", "", "at the end, also copy loss.csv, report.json and samples.md here")
	text := fs.String("text", "", "train on these comma-separated UTF-8 files (a folder: its .txt files) instead of the Brown corpus (last 10% held out unless -valid is given)")
	valid := fs.String("valid", "", "with -text: validate on these comma-separated UTF-8 files (a folder: its .txt files) instead of holding out the last 10%")
	initDir := fs.String("init", "", "start from this checkpoint's weights (config.json, model.safetensors; its config must match -config) instead of random ones")
	steps := fs.Int("steps", 2000, "optimiser steps")
	batch := fs.Int("batch", 8, "sequences per step")
	seq := fs.Int("seq", 256, "tokens per sequence")
	lr := fs.Float64("lr", 3e-3, "peak learning rate")
	minLR := fs.Float64("min-lr", 3e-4, "final learning rate of the cosine decay")
	warmup := fs.Int("warmup", 100, "linear warmup steps (0: none)")
	clip := fs.Float64("clip", 1, "global gradient-norm clip (0: none)")
	wd := fs.Float64("wd", 0.1, "AdamW decoupled weight decay (0: none)")
	dropout := fs.Float64("dropout", 0, "probability of zeroing each element of a block's mixer and MLP output in training (0: none)")
	seed := fs.Uint64("seed", 1, "seed of the initial weights and of the data order")
	every := fs.Int("save-every", 100, "checkpoint every N steps")
	logEvery := fs.Int("log-every", 10, "print a line every N steps")
	maxTime := fs.Duration("max-time", 0, "stop (and checkpoint) after this long, even before -steps")
	evalSeqs := fs.Int("eval-seqs", 0, "validation sequences to evaluate (0: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath == "" || *tokPath == "" || *outDir == "" {
		return errors.New("usage: llm train -config FILE -tokenizer FILE -out DIR [-steps N -batch B -seq T -lr LR ...]")
	}
	if *every <= 0 || *logEvery <= 0 {
		return fmt.Errorf("-save-every %d and -log-every %d must be positive", *every, *logEvery)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"lr", *lr}, {"min-lr", *minLR}, {"clip", *clip}, {"wd", *wd}, {"dropout", *dropout}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("-%s %v: want a finite number, 0 or more", f.name, f.v)
		}
	}
	if *dropout >= 1 {
		return fmt.Errorf("-dropout %v: want a probability below 1", *dropout)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	cfg, err := train.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	tok, err := tokenizer.Load(*tokPath)
	if err != nil {
		return err
	}
	start := time.Now()
	trainIDs, validIDs, source, err := trainingData(tok, *text, *valid, cfg.EOS)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "data: %s: %d training and %d validation tokens (encoded in %.1fs)\n", source, len(trainIDs), len(validIDs), time.Since(start).Seconds())

	opts := train.Options{Steps: *steps, Batch: *batch, SeqLen: *seq, LR: *lr, MinLR: *minLR,
		Warmup: *warmup, Clip: *clip, WeightDecay: *wd, Seed: *seed, Dropout: *dropout}
	var tr *train.Trainer[float32]
	if _, err := os.Stat(filepath.Join(*outDir, "train.json")); err == nil {
		if tr, err = train.Resume[float32](*outDir, trainIDs, *steps); err != nil {
			return err
		}
		if err := resumeConflicts(*outDir, given, opts, tr.Opts); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "resumed %s at step %d of %d\n", *outDir, len(tr.History), tr.Opts.Steps)
	} else {
		m := train.NewModel[float32](cfg, *seed)
		if *initDir != "" {
			if m, err = initModel(*initDir, cfg); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "initial weights: %s\n", *initDir)
		}
		if tr, err = train.NewTrainer(m, trainIDs, opts); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "model: %d parameters; %d steps of %d×%d tokens\n", len(tr.Model.Params), opts.Steps, opts.Batch, opts.SeqLen)
	}
	flops := train.FlopsPerToken(tr.Model.Cfg, tr.Opts.SeqLen)
	save := func() error {
		if err := tr.SaveCheckpoint(*outDir); err != nil {
			return err
		}
		if err := writeCurve(filepath.Join(*outDir, "loss.csv"), tr.History); err != nil {
			return err
		}
		bf16 := filepath.Join(*outDir, "bf16")
		if err := exportModel(tr.Model, bf16, len(tr.History)); err != nil {
			return err
		}
		return copyTokenizer(*tokPath, bf16)
	}
	runStart := time.Now()
	var tokens int
	var busy float64
	for len(tr.History) < tr.Opts.Steps {
		if *maxTime > 0 && time.Since(runStart) > *maxTime {
			fmt.Fprintf(stdout, "stopping after %v (-max-time)\n", *maxTime)
			break
		}
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "interrupted: checkpoint of step %d of %d in %s (the same command resumes it)\n", len(tr.History), tr.Opts.Steps, *outDir)
			return nil
		}
		r, err := tr.Step()
		if err != nil { // the last checkpoint (before the bad step) stays as it was
			return err
		}
		tokens += tr.Opts.Batch * (tr.Opts.SeqLen - 1)
		busy += r.Seconds
		if r.Step%*logEvery == 0 || r.Step == 1 {
			tps := float64(tokens) / busy
			fmt.Fprintf(stdout, "step %5d  loss %.4f  lr %.2e  grad-norm %.3f  %.0f tok/s  %.2f GFLOP/s\n",
				r.Step, r.Loss, r.LR, r.GradNorm, tps, tps*flops/1e9)
		}
		if r.Step%*every == 0 {
			if err := save(); err != nil {
				return err
			}
		}
	}
	if err := save(); err != nil {
		return err
	}
	if *export != "" {
		if err := exportModel(tr.Model, *export, len(tr.History)); err != nil {
			return err
		}
	}
	rep := report{Source: source, Command: "llm train " + strings.Join(args, " "), Options: tr.Opts,
		Params: len(tr.Model.Params), Steps: len(tr.History), TrainTokens: len(trainIDs), ValidTokens: len(validIDs),
		FlopsPerToken: flops}
	if len(tr.History) > 0 {
		rep.FinalTrainLoss = tr.History[len(tr.History)-1].Loss
	}
	if busy > 0 {
		rep.TokensPerSecond = float64(tokens) / busy
		rep.GFLOPS = rep.TokensPerSecond * flops / 1e9
	}
	if err := evaluate(stdout, tr, tok, trainIDs, validIDs, *evalSeqs, *outDir, *export, rep); err != nil {
		return err
	}
	if *reportDir != "" {
		if err := os.MkdirAll(*reportDir, 0o755); err != nil {
			return err
		}
		for _, f := range []string{"loss.csv", "report.json", "samples.md"} {
			b, err := os.ReadFile(filepath.Join(*outDir, f))
			if err != nil {
				return err
			}
			if err := writeFile(filepath.Join(*reportDir, f), b); err != nil {
				return err
			}
		}
	}
	return nil
}

// resumeConflicts refuses options given on the command line that differ from
// those of the checkpoint being resumed: the run continues with the
// checkpoint's options, so silently ignoring them would mislead.
func resumeConflicts(dir string, given map[string]bool, asked, saved train.Options) error {
	var diffs []string
	for _, o := range []struct {
		flag        string
		asked, have any
	}{
		{"batch", asked.Batch, saved.Batch}, {"seq", asked.SeqLen, saved.SeqLen}, {"lr", asked.LR, saved.LR},
		{"min-lr", asked.MinLR, saved.MinLR}, {"warmup", asked.Warmup, saved.Warmup}, {"clip", asked.Clip, saved.Clip},
		{"wd", asked.WeightDecay, saved.WeightDecay}, {"seed", asked.Seed, saved.Seed}, {"dropout", asked.Dropout, saved.Dropout},
	} {
		if given[o.flag] && o.asked != o.have {
			diffs = append(diffs, fmt.Sprintf("-%s %v (the checkpoint has %v)", o.flag, o.asked, o.have))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%s holds a checkpoint, and a resumed run keeps its options (only -steps can change), but %s: drop them to resume, or give a new -out to start afresh", dir, strings.Join(diffs, ", "))
}

// writeFile writes data to path atomically: a temporary file beside it,
// flushed to disk, renamed over it (safetensors.WriteAtomic).
func writeFile(path string, data []byte) error {
	err := safetensors.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// initModel loads the starting weights of a run from a checkpoint whose
// config.json must describe the same model as cfg.
func initModel(dir string, cfg *model.Config) (*train.Model[float32], error) {
	m, err := train.Load[float32](dir)
	if err != nil {
		return nil, err
	}
	a, err := m.Cfg.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b, err := cfg.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if string(a) != string(b) {
		return nil, fmt.Errorf("-init %s: its config.json differs from -config", dir)
	}
	return m, nil
}

// textFiles lists the files of a -text or -valid list: comma-separated
// paths, where a folder stands for its .txt files in name order (so that
// a corpus of hundreds of files is one argument, and the report's command
// line stays readable).
func textFiles(flagName, list string) ([]string, error) {
	var files []string
	for _, f := range strings.Split(list, ",") {
		info, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flagName, err)
		}
		if !info.IsDir() {
			files = append(files, f)
			continue
		}
		txt, err := filepath.Glob(filepath.Join(f, "*.txt")) // sorted by name
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", flagName, f, err)
		}
		if len(txt) == 0 {
			return nil, fmt.Errorf("%s: folder %s has no .txt files", flagName, f)
		}
		files = append(files, txt...)
	}
	return files, nil
}

// readDocs encodes text files, each followed by the end-of-text token.
func readDocs(tok *tokenizer.Tokenizer, files []string, eos []int) ([]int, error) {
	var all []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		all = append(all, tok.Encode(string(b))...)
		all = append(all, eos...)
	}
	return all, nil
}

// trainingData encodes the Brown corpus split (or text files, 90/10, or
// text files and separate validation files), documents separated by the
// config's end-of-text token.
func trainingData(tok *tokenizer.Tokenizer, files, valid string, eos []int) (trainIDs, validIDs []int, source string, err error) {
	if files == "" {
		tr, va, err := corpus.Load()
		if err != nil {
			return nil, nil, "", err
		}
		return encodeDocs(tok, tr, eos), encodeDocs(tok, va, eos), fmt.Sprintf("Brown corpus (%d training, %d validation samples)", len(tr), len(va)), nil
	}
	trainFiles, err := textFiles("-text", files)
	if err != nil {
		return nil, nil, "", err
	}
	all, err := readDocs(tok, trainFiles, eos)
	if err != nil {
		return nil, nil, "", err
	}
	if valid != "" {
		validFiles, err := textFiles("-valid", valid)
		if err != nil {
			return nil, nil, "", err
		}
		v, err := readDocs(tok, validFiles, eos)
		if err != nil {
			return nil, nil, "", err
		}
		return all, v, fmt.Sprintf("%d training files, %d validation files", len(trainFiles), len(validFiles)), nil
	}
	cut := len(all) * 9 / 10
	return all[:cut], all[cut:], files, nil
}

// encodeDocs encodes each document and joins them, each followed by the
// end-of-text token(s) so the model learns where a text ends.
func encodeDocs(tok *tokenizer.Tokenizer, docs []corpus.Doc, eos []int) []int {
	var out []int
	for _, d := range docs {
		out = append(out, tok.Encode(d.Text)...)
		out = append(out, eos[:min(len(eos), 1)]...)
	}
	return out
}

// exportModel writes the BF16 model.safetensors (with the real
// checkpoint's F32 exceptions) into dir, and config.json if dir has none.
func exportModel(m *train.Model[float32], dir string, step int) error {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		tmp, err := os.MkdirTemp("", "llm-export-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := m.Save(tmp, safetensors.BF16, exportMeta(step)); err != nil {
			return err
		}
		src, err := os.Open(filepath.Join(tmp, "model.safetensors"))
		if err != nil {
			return err
		}
		defer src.Close()
		// Renamed into place, never rewritten: a notebook or an llm
		// generate that has the export mapped keeps reading it safely.
		return safetensors.WriteAtomic(filepath.Join(dir, "model.safetensors"), func(w io.Writer) error {
			_, err := io.Copy(w, src)
			return err
		})
	}
	return m.Save(dir, safetensors.BF16, exportMeta(step))
}

// copyTokenizer puts the tokenizer files of path (tokenizer.CopyFiles)
// into dir unless dir has a tokenizer.json already, so that dir is a model
// folder that llm.Load, llm generate and llm/tiny/measure open as it is.
func copyTokenizer(path, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err == nil {
		return nil
	}
	return tokenizer.CopyFiles(path, dir)
}

// exportMeta marks an exported checkpoint as trained (see llm/tiny).
func exportMeta(step int) map[string]string {
	return map[string]string{"trained": "true", "step": strconv.Itoa(step), "trainer": "llm train (llm/train)"}
}

func writeCurve(path string, hist []train.Record) error {
	var b strings.Builder
	b.WriteString("step,loss,lr,grad_norm,tokens\n")
	for _, r := range hist {
		fmt.Fprintf(&b, "%d,%.6f,%.6g,%.6g,%d\n", r.Step, r.Loss, r.LR, r.GradNorm, r.Tokens)
	}
	return writeFile(path, []byte(b.String()))
}

// report is what a training run records about itself (report.json).
type report struct {
	Command         string          `json:"command"`
	Source          string          `json:"data"`
	Options         train.Options   `json:"options"`
	Params          int             `json:"params"`
	Steps           int             `json:"steps_done"`
	TrainTokens     int             `json:"train_tokens"`
	ValidTokens     int             `json:"valid_tokens"`
	FinalTrainLoss  float64         `json:"final_train_loss"`
	ValidLoss       float64         `json:"valid_loss_f32"`
	ValidLossBF16   float64         `json:"valid_loss_bf16_export"`
	ValidPredicted  int             `json:"valid_predicted_tokens"`
	Baselines       train.Baselines `json:"baselines"`
	FlopsPerToken   float64         `json:"flops_per_token"`
	TokensPerSecond float64         `json:"train_tokens_per_second"`
	GFLOPS          float64         `json:"train_gflops"`
	Samples         []sample        `json:"samples"`
}

type sample struct {
	Prompt  string      `json:"prompt"`
	Sampler llm.Sampler `json:"sampler"`
	Text    string      `json:"text"`
}

// evaluate measures the validation loss of the F32 master weights and of
// the BF16 export, the n-gram baselines on the same positions, and writes
// greedy and seeded samples from the exported checkpoint via the engine.
func evaluate(stdout io.Writer, tr *train.Trainer[float32], tok *tokenizer.Tokenizer, trainIDs, validIDs []int, maxSeqs int, outDir, export string, rep report) error {
	seqs := train.Windows(validIDs, tr.Opts.SeqLen, maxSeqs)
	if len(seqs) == 0 {
		return fmt.Errorf("evaluate: %d validation tokens, fewer than one sequence of %d", len(validIDs), tr.Opts.SeqLen)
	}
	for _, s := range seqs {
		rep.ValidPredicted += len(s) - 1
	}
	var err error
	if rep.ValidLoss, err = train.MeanLoss(tr.Model, seqs); err != nil {
		return err
	}
	if rep.Baselines, err = train.NGramBaselines(trainIDs, seqs, tr.Model.Cfg.Vocab); err != nil {
		return err
	}
	genDir := export
	if genDir == "" {
		genDir = filepath.Join(outDir, "bf16")
	}
	bf, err := train.Load[float32](genDir)
	if err != nil {
		return err
	}
	if rep.ValidLossBF16, err = train.MeanLoss(bf, seqs); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "validation (%d predicted tokens): model %.4f (BF16 export %.4f), bigram %.4f (λ %.2f), unigram %.4f nats\n",
		rep.ValidPredicted, rep.ValidLoss, rep.ValidLossBF16, rep.Baselines.Bigram, rep.Baselines.Lambda, rep.Baselines.Unigram)
	em, err := model.Open(genDir)
	if err != nil {
		return err
	}
	defer em.Close()
	for _, p := range []string{"The", "He said that", "In the morning", "The government of the United States"} {
		for _, s := range []llm.Sampler{llm.Greedy(), {Temperature: 0.8, TopK: 40, Seed: 1}, {Temperature: 0.8, TopK: 40, Seed: 2}} {
			text, err := generate(em, tok, p, s, 40)
			if err != nil {
				return err
			}
			rep.Samples = append(rep.Samples, sample{Prompt: p, Sampler: s, Text: text})
			fmt.Fprintf(stdout, "[%s] %s%s\n", s, p, text)
		}
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(outDir, "report.json"), append(js, '\n')); err != nil {
		return err
	}
	return writeFile(filepath.Join(outDir, "samples.md"), []byte(samplesMarkdown(rep)))
}

// samplesMarkdown renders the evaluation and the samples for people.
func samplesMarkdown(rep report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Samples and validation loss\n\n`%s`\n\n", rep.Command)
	fmt.Fprintf(&b, "After %d steps (%d parameters), on %d held-out tokens of the %s:\n\n", rep.Steps, rep.Params, rep.ValidPredicted, rep.Source)
	fmt.Fprintf(&b, "| model | validation loss (nats/token) | perplexity |\n|---|---|---|\n")
	for _, r := range []struct {
		name string
		v    float64
	}{{"this model (F32 master weights)", rep.ValidLoss}, {"this model (BF16 export, embedded)", rep.ValidLossBF16},
		{fmt.Sprintf("bigram baseline (interpolated, λ = %.2f)", rep.Baselines.Lambda), rep.Baselines.Bigram},
		{"unigram baseline (add-one)", rep.Baselines.Unigram}} {
		fmt.Fprintf(&b, "| %s | %.4f | %.1f |\n", r.name, r.v, math.Exp(r.v))
	}
	b.WriteString("\nGenerations of 40 tokens from the BF16 export through the engine (`llm/model`):\n\n")
	for _, s := range rep.Samples {
		fmt.Fprintf(&b, "* (%s) **%s**%s\n", s.Sampler, s.Prompt, strings.ReplaceAll(s.Text, "\n", " ⏎ "))
	}
	return b.String()
}

// generate continues prompt by n tokens with the engine's forward pass.
func generate(m *model.Model, tok *tokenizer.Tokenizer, prompt string, s llm.Sampler, n int) (string, error) {
	ids := tok.Encode(prompt)
	st := m.NewState()
	logits, err := m.Forward(st, ids)
	if err != nil {
		return "", err
	}
	var out []int
	for step := 0; step < n; step++ {
		id := s.Pick(logits, s.Draw(step))
		out = append(out, id)
		if m.Config().IsEOS(id) {
			break
		}
		if logits, err = m.Forward(st, []int{id}); err != nil {
			return "", err
		}
	}
	return tok.Decode(out), nil
}
