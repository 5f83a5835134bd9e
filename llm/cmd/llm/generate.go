package main

import (
	"errors"
	"io"
)

func runGenerate(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }
