package main

import (
	"errors"
	"io"
)

func runGrad(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }

func runTrain(args []string, stdout io.Writer) error { return errors.New("not implemented yet") }
