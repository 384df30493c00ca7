package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// completionHelp is liveness completion --help's note.
const completionHelp = `
Print a completion script for bash or zsh: the commands, each command's
flags (as its --help lists them) and the sandbox's subcommands; file names
elsewhere. Load it in the current shell with

  source <(liveness completion bash)    # bash
  source <(liveness completion zsh)     # zsh

or write it where your shell loads completions from (bash:
~/.local/share/bash-completion/completions/liveness).`

func runCompletion(c *cmd, args []string) int {
	const usage = "liveness completion bash|zsh"
	fs := newFlags("completion")
	c.help = completionHelp
	pos, code, ok := c.parse(fs, usage, args)
	if !ok {
		return code
	}
	if len(pos) != 1 || (pos[0] != "bash" && pos[0] != "zsh") {
		return c.usageError(usage, "takes one argument, bash or zsh")
	}
	script := bashCompletion()
	if pos[0] == "zsh" {
		// zsh runs bash's completion functions through bashcompinit.
		script = "#compdef liveness\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script
	}
	_, _ = io.WriteString(c.stdout, script)
	return exitOK
}

// sandboxSubcommands are the words liveness sandbox takes first.
var sandboxSubcommands = []string{"list", "complete", "fault", "health"}

// bashCompletion returns the bash completion script, its flags read from
// each command's --help, so that it follows the commands as they change.
func bashCompletion() string {
	var b strings.Builder
	b.WriteString(`# bash completion for liveness: source <(liveness completion bash)
_liveness() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[1]} sub=${COMP_WORDS[2]} words=""
	if [ "$COMP_CWORD" -eq 1 ]; then
		words="`)
	names := []string{"--help", "--version"}
	for _, cm := range commands {
		names = append(names, cm.name)
	}
	b.WriteString(strings.Join(names, " "))
	b.WriteString(`"
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	case $prev in
	--kind) words="return notify" ;;
	--qr) words="always never auto" ;;
`)
	// The vendors' own options, with the values their profiles offer.
	for _, vf := range vendorFlags() {
		if len(vf.option.Words) > 0 {
			fmt.Fprintf(&b, "\t--%s) words=%q ;;\n", vf.name(), strings.Join(vf.option.Words, " "))
		}
	}
	b.WriteString(`	esac
	if [ -z "$words" ]; then
		case $cmd in
`)
	for _, cm := range commands {
		fmt.Fprintf(&b, "\t\t%s)\n", cm.name)
		switch cm.name {
		case "sandbox":
			b.WriteString("\t\t\tcase $sub in\n")
			for _, sub := range sandboxSubcommands {
				fmt.Fprintf(&b, "\t\t\t%s) words=%q ;;\n", sub, strings.Join(helpFlags(cm.name, sub), " "))
			}
			fmt.Fprintf(&b, "\t\t\t*) words=%q ;;\n", strings.Join(append(append([]string(nil), sandboxSubcommands...), helpFlags(cm.name)...), " "))
			b.WriteString("\t\t\tesac ;;\n")
		case "completion":
			b.WriteString("\t\t\twords=\"bash zsh\" ;;\n")
		default:
			fmt.Fprintf(&b, "\t\t\twords=%q ;;\n", strings.Join(helpFlags(cm.name), " "))
		}
	}
	b.WriteString(`		esac
	fi
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _liveness liveness
`)
	return b.String()
}

// flagLine matches a flag in the list printFlags writes.
var flagLine = regexp.MustCompile(`(?m)^  (--[a-z0-9-]+)`)

// helpFlags returns the flags the command's --help lists, sorted.
func helpFlags(words ...string) []string {
	var out bytes.Buffer
	run(append(words, "--help"), strings.NewReader(""), &out, io.Discard, func(string) string { return "" })
	var flags []string
	for _, m := range flagLine.FindAllStringSubmatch(out.String(), -1) {
		flags = append(flags, m[1])
	}
	sort.Strings(flags)
	return flags
}
