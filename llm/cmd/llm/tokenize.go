package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/how-llms-work/course/llm/tokenizer"
)

// runTokenize prints the token ids of a text as a JSON array; with -pieces it
// prints an object with the ids, their display pieces and their spellings in
// tokenizer.json. Special-token text such as <|im_start|> is taken literally
// unless -special is given.
//
//	llm tokenize -tokenizer FILE [-special] [-pieces] TEXT
//	echo TEXT | llm tokenize -tokenizer FILE
func runTokenize(args []string, stdout io.Writer) error {
	return tokenize(args, os.Stdin, stdout)
}

func tokenize(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlags("tokenize")
	path := fs.String("tokenizer", "", "tokenizer.json (its directory may hold tokenizer_config.json)")
	special := fs.Bool("special", false, "recognise special-token text such as <|im_start|> as those tokens")
	pieces := fs.Bool("pieces", false, "also print each token's text and tokenizer.json spelling")
	const usage = "usage: llm tokenize -tokenizer FILE [-special] [-pieces] TEXT (or the text on stdin)"
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (%s)", err, usage)
	}
	if *path == "" {
		return fmt.Errorf("no -tokenizer (%s)", usage)
	}
	var text string
	if fs.NArg() > 0 {
		text = strings.Join(fs.Args(), " ")
	} else {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
		text = string(b)
	}
	tok, err := tokenizer.Load(*path)
	if err != nil {
		return err
	}
	var ids []int
	if *special {
		ids = tok.Encode(text)
	} else {
		ids = tok.EncodeLiteral(text)
	}
	if ids == nil {
		ids = []int{}
	}
	var out any = ids
	if *pieces {
		out = struct {
			IDs    []int    `json:"ids"`
			Pieces []string `json:"pieces"`
			Tokens []string `json:"tokens"`
		}{ids, tok.Pieces(ids), tok.Tokens(ids)}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
