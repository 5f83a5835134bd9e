package main

import (
	"errors"
	"io"
)

func runTokenize(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }
