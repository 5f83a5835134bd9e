package main

import (
	"errors"
	"io"
)

func runParams(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }

func runLogits(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }

func runSynth(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }
