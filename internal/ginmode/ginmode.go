// Package ginmode keeps Gin from crashing before main on a GIN_MODE it does
// not know. Gin reads GIN_MODE in its package init and panics on anything
// but debug, release or test (GIN_MODE=development ends in "panic: gin mode
// unknown" before main runs), so the server could not say what to set.
//
// Import it, for its init alone, from package main. Go initialises packages
// in import-path order once their own imports are ready, and this one
// imports only os, so its init runs before Gin's: it moves GIN_MODE aside,
// Gin starts in its default mode, and [Restore] puts the value back for the
// server's configuration to read and check.
package ginmode

import "os"

var original string
var wasSet bool

func init() {
	original, wasSet = os.LookupEnv("GIN_MODE")
	os.Unsetenv("GIN_MODE")
}

// Restore sets GIN_MODE back to the value the process started with, once
// Gin's init has run.
func Restore() {
	if wasSet {
		os.Setenv("GIN_MODE", original)
	}
}
