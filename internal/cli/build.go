package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/skiff-containers/skiff/internal/build"
	"github.com/skiff-containers/skiff/internal/build/buildcontext"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// buildCommand is Docker's `build` (also `image build` and `builder
// build`).
func (s *session) buildCommand(name string) *cli.Command {
	tagFlags, tags := repeatable("tag", "t", "name the image REPOSITORY[:TAG]")
	argFlags, args := repeatable("build-arg", "", "set a build arg KEY=VALUE (KEY alone: from the environment)")
	labelFlags, labels := repeatable("label", "", "set a label KEY=VALUE on the image")
	secretFlags, secrets := repeatable("secret", "", "a secret for RUN --mount=type=secret: id=ID,src=PATH")
	flags := []cli.Flag{
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "the Dockerfile (default: PATH/Dockerfile or PATH/Containerfile; - reads it from stdin)"},
		&cli.StringFlag{Name: "target", Usage: "build this stage and what it needs"},
		&cli.BoolFlag{Name: "no-cache", Usage: "build every step, using no cached layer"},
		&cli.GenericFlag{Name: "pull", Value: &pullValue{policy: "missing"}, Usage: "pull FROM images: always, missing or never (bare --pull: always)"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image id"},
		&cli.StringFlag{Name: "iidfile", Usage: "write the image id to this file"},
		&cli.StringFlag{Name: "network", Usage: "network of RUN steps: default, none or host"},
		&cli.StringFlag{Name: "platform", Usage: "platform to build for (this machine's; skiff does not emulate others)"},
		&cli.StringFlag{Name: "progress", Value: "auto", Usage: "progress output: auto, plain, tty or quiet"},
		&cli.StringFlag{Name: "format", Usage: "image format: oci (default) or docker"},
	}
	for _, f := range [][]cli.Flag{tagFlags, argFlags, labelFlags, secretFlags} {
		flags = append(flags, f...)
	}
	return &cli.Command{
		Name: name, Usage: "build an image from a Dockerfile", ArgsUsage: "PATH|-|TARBALL",
		Flags: flags,
		Action: func(c *cli.Context) error {
			return s.buildAction(c, buildLists{tags: tags.values, args: args.values, labels: labels.values, secrets: secrets.values})
		},
	}
}

// buildCommands are `build` and `builder` (build, prune).
func (s *session) buildCommands() []*cli.Command {
	prune := &cli.Command{
		Name: "prune", Usage: "remove the build cache: cached step images no image stands on, and cache mounts",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove cache mounts too"},
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask (skiff never asks)"},
		},
		Action: s.builderPruneAction,
	}
	return []*cli.Command{
		s.buildCommand("build"),
		{Name: "builder", Usage: "manage the build cache", Subcommands: []*cli.Command{
			s.buildCommand("build"), prune,
		}},
	}
}

type buildLists struct {
	tags, args, labels, secrets []string
}

// pullValue is --pull: a policy, or bare (always), as Docker's boolean
// --pull and podman's policy both read.
type pullValue struct{ policy string }

func (p *pullValue) Set(v string) error {
	switch v {
	case "true", "always":
		p.policy = "always"
	case "false", "missing", "ifmissing":
		p.policy = "missing"
	case "never":
		p.policy = "never"
	default:
		return fmt.Errorf("invalid pull policy %q: use always, missing or never", v)
	}
	return nil
}

func (p *pullValue) String() string   { return p.policy }
func (p *pullValue) IsBoolFlag() bool { return true }

// buildOptions maps build's flags and argument.
func (s *session) buildOptions(c *cli.Context, l buildLists) (build.Options, error) {
	if c.NArg() != 1 {
		return build.Options{}, usagef("'%s' requires 1 argument (the context: a directory, - or a tarball): see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	for _, t := range l.tags {
		ref, err := imageref.Parse(t)
		if err == nil && ref.Digest != "" {
			err = errors.New("a tag, not a digest")
		}
		if err != nil {
			return build.Options{}, usagef("invalid argument %q for \"-t, --tag\" flag: %v", t, err)
		}
	}
	var secrets []build.Secret
	for _, v := range l.secrets {
		sec, err := parseSecret(v)
		if err != nil {
			return build.Options{}, err
		}
		secrets = append(secrets, sec)
	}
	o := build.Options{
		Context: buildcontext.Options{Path: c.Args().First(), Stdin: s.io.In, Dockerfile: c.String("file")},
		Tags:    l.tags, BuildArgs: l.args, LookupEnv: os.LookupEnv, Labels: l.labels, Secrets: secrets,
		Target: c.String("target"), NoCache: c.Bool("no-cache"), Network: c.String("network"),
		Platform: c.String("platform"), Format: c.String("format"), IIDFile: c.String("iidfile"),
	}
	if p, ok := c.Generic("pull").(*pullValue); ok {
		o.Pull = p.policy
	}
	for _, l := range l.labels {
		if k, _, _ := strings.Cut(l, "="); k == "" {
			return o, usagef("invalid argument %q for \"--label\" flag: give KEY=VALUE", l)
		}
	}
	switch mode := c.String("progress"); {
	case c.Bool("quiet") || mode == "quiet":
		o.Progress = build.Discard{}
	case mode == "tty" || mode == "auto" && isTerminal(s.io.Err):
		o.Progress = build.NewTTY(s.io.Err, termWidth(s.io.Err))
	case mode == "auto" || mode == "plain":
		o.Progress = build.NewPlain(s.io.Err)
	default:
		return o, usagef("invalid argument %q for \"--progress\" flag: use auto, plain, tty or quiet", mode)
	}
	return o, nil
}

// parseSecret reads --secret id=ID,src=PATH (source= and type=file too).
func parseSecret(v string) (build.Secret, error) {
	var sec build.Secret
	for _, f := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(f, "=")
		switch k {
		case "id":
			sec.ID = val
		case "src", "source":
			sec.Src = val
		case "type":
			if val != "file" {
				return sec, usagef("invalid --secret %q: only type=file is supported", v)
			}
		default:
			return sec, usagef("invalid --secret %q: unknown key %q (give id=ID,src=PATH)", v, k)
		}
	}
	if sec.ID == "" {
		return sec, usagef("invalid --secret %q: give id=ID,src=PATH", v)
	}
	if sec.Src == "" {
		sec.Src = sec.ID
	}
	return sec, nil
}

func (s *session) buildAction(c *cli.Context, l buildLists) error {
	o, err := s.buildOptions(c, l)
	if err != nil {
		return err
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	res, err := build.Build(s.ctx, e, o)
	if err != nil {
		return buildError(err)
	}
	if c.Bool("quiet") {
		fmt.Fprintf(s.io.Out, "sha256:%s\n", res.ID)
		return nil
	}
	fmt.Fprintf(s.io.Err, "writing image sha256:%s done\n", res.ID)
	for _, t := range o.Tags {
		fmt.Fprintf(s.io.Err, "naming to %s done\n", t)
	}
	return nil
}

// buildError words a failed build as docker build does; it exits 1.
func buildError(err error) error {
	var se *build.StepError
	if errors.As(err, &se) && len(se.Lines) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "failed to build: %v\n------\n > %s:\n", err, se.Step)
		for _, l := range se.Lines {
			fmt.Fprintf(&b, "%s\n", l)
		}
		b.WriteString("------")
		return &ExitError{Code: ExitFailed, Err: errors.New(b.String())}
	}
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf("failed to build: %w", err)}
}

func (s *session) builderPruneAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("'%s' takes no arguments: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	r, err := build.Prune(s.ctx, e, build.PruneOptions{All: c.Bool("all")})
	if err != nil {
		return err
	}
	for _, id := range r.Images {
		fmt.Fprintf(s.io.Out, "Deleted: sha256:%s\n", id)
	}
	fmt.Fprintf(s.io.Out, "Total reclaimed: %d cache records, %d step images\n", r.Records, len(r.Images))
	return nil
}

// termWidth is w's columns when it is a terminal, else 0.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
