package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/docker/go-units"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/engine"
	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/progress"
	"github.com/skiff-containers/skiff/internal/report"
)

func (s *session) imageCommands() []*cli.Command {
	pullCmd := func(name string) *cli.Command {
		return &cli.Command{
			Name:      name,
			Usage:     "pull an image from a registry",
			ArgsUsage: "NAME[:TAG|@DIGEST]",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "platform", Usage: "pull for this platform (OS/ARCH[/VARIANT]) instead of the host's"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image id"},
			},
			Action: s.pullAction,
		}
	}
	imagesCmd := func(name string, aliases ...string) *cli.Command {
		filterFlags, filters := repeatable("filter", "f", "filter: reference=PATTERN, dangling=true|false")
		return &cli.Command{
			Name:    name,
			Aliases: aliases,
			Usage:   "list images",
			Flags: append([]cli.Flag{
				&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all images, also intermediate ones"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only image ids"},
				&cli.BoolFlag{Name: "digests", Usage: "show digests"},
				&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate ids"},
				&cli.StringFlag{Name: "format", Usage: "Go template, 'table TEMPLATE' or 'json'"},
			}, filterFlags...),
			Action: func(c *cli.Context) error { return s.imagesAction(c, filters.values) },
		}
	}
	rmiCmd := func(name string, aliases ...string) *cli.Command {
		return &cli.Command{
			Name:      name,
			Aliases:   aliases,
			Usage:     "remove images",
			ArgsUsage: "IMAGE [IMAGE...]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "remove also images with several names or used by containers (removing those containers)"},
			},
			Action: s.rmiAction,
		}
	}
	tagCmd := &cli.Command{Name: "tag", Usage: "give an image another name", ArgsUsage: "SOURCE TARGET", Action: s.tagAction}
	inspectCmd := &cli.Command{
		Name:      "inspect",
		Usage:     "show details of images as JSON",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template applied to each result"}},
		Action:    s.imageInspectAction,
	}
	changeFlags, changes := repeatable("change", "c", "apply a Dockerfile instruction (CMD, ENV, ...) to the image")
	importCmd := &cli.Command{
		Name:      "import",
		Usage:     "make an image from a root file system tarball",
		ArgsUsage: "FILE|URL|- [REPOSITORY[:TAG]]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit message recorded in the history"},
			&cli.StringFlag{Name: "platform", Usage: "platform the image is for (default: the host's)"},
		}, changeFlags...),
		Action: func(c *cli.Context) error { return s.importAction(c, changes.values) },
	}
	return []*cli.Command{
		pullCmd("pull"),
		imagesCmd("images"),
		rmiCmd("rmi"),
		tagCmd,
		importCmd,
		{
			Name:  "image",
			Usage: "manage images",
			Subcommands: []*cli.Command{
				pullCmd("pull"), imagesCmd("ls", "list"), rmiCmd("rm", "remove"), s.buildCommand("build"),
				{Name: "tag", Usage: tagCmd.Usage, ArgsUsage: tagCmd.ArgsUsage, Action: s.tagAction},
				{Name: "inspect", Usage: inspectCmd.Usage, ArgsUsage: inspectCmd.ArgsUsage, Flags: inspectCmd.Flags, Action: inspectCmd.Action},
				{Name: "import", Usage: importCmd.Usage, ArgsUsage: importCmd.ArgsUsage, Flags: importCmd.Flags, Action: importCmd.Action},
				{
					Name:  "prune",
					Usage: "remove images without a name (-a: every image no container uses) and layers nothing uses",
					Flags: []cli.Flag{
						&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image no container uses, not only those without a name"},
						&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask (skiff never asks)"},
					},
					Action: s.imagePruneAction,
				},
			},
		},
	}
}

// imageFlags are the flags (or arguments) behind the engine's options of
// the image verbs; "" words the reason alone, as for an argument whose
// parser says what is wrong.
var imageFlags = map[string]string{
	"Ref": "", "Target": "", "Platform": "", "Changes": "",
	"Filters": "filter",
}

// optionError words an engine's invalid option as the flag it came from,
// by flags (the engine's field -> the flag); other errors are returned as
// they are.
func optionError(err error, flags map[string]string) error {
	var ie *engine.InvalidOptionError
	if !errors.As(err, &ie) {
		return err
	}
	flag, ok := flags[ie.Field]
	switch {
	case !ok:
		return usagef("%v", err)
	case flag == "":
		return usagef("%s", ie.Reason)
	case ie.Value == "":
		return usagef("invalid %s: %s", flag, ie.Reason)
	}
	return usagef("invalid %s %q: %s", flag, ie.Value, ie.Reason)
}

// pullProgress shows a pull with internal/progress.
type pullProgress struct {
	*progress.Pull
	// why, when set, is said before the pull (and taken back with the
	// pull's other lines if it fails).
	why string
}

func (p pullProgress) Pulling(ref string) {
	if p.why != "" {
		p.Printf("%s", p.why)
	}
	p.Printf("Pulling %s", ref)
}

func (p pullProgress) Done(err error) { p.Close(err) }

var _ engine.PullProgress = pullProgress{}

// pullOptions maps pull's flags and argument.
func (s *session) pullOptions(c *cli.Context) engine.PullOptions {
	o := engine.PullOptions{Ref: c.Args().First(), Platform: c.String("platform")}
	if !c.Bool("quiet") {
		o.Progress = pullProgress{Pull: progress.NewPull(s.io.Err, isTerminal(s.io.Err))}
	}
	return o
}

func (s *session) pullAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' takes exactly one image name: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	id, err := e.Pull(s.ctx, s.pullOptions(c))
	if err != nil {
		return optionError(err, imageFlags)
	}
	fmt.Fprintln(s.io.Out, id)
	return nil
}

// imageRow is one line of `images`; the field names are the --format keys.
type imageRow struct {
	ID           string
	Repository   string
	Tag          string
	Digest       string
	CreatedSince string
	CreatedAt    string
	Size         string
	Containers   string
}

func newImageRow(r report.ImageRow, noTrunc bool) imageRow {
	id := r.ID[:12]
	if noTrunc {
		id = "sha256:" + r.ID
	}
	return imageRow{
		ID:           id,
		Repository:   r.Repository,
		Tag:          r.Tag,
		Digest:       r.Digest,
		CreatedSince: units.HumanDuration(time.Since(r.Created)) + " ago",
		CreatedAt:    r.Created.Format("2006-01-02 15:04:05 -0700 MST"),
		Size:         units.HumanSizeWithPrecision(float64(r.Size), 3),
		Containers:   "N/A",
	}
}

// listImagesOptions maps images' flags and its REPOSITORY[:TAG].
func listImagesOptions(c *cli.Context, filters []string) engine.ListImagesOptions {
	return engine.ListImagesOptions{All: c.Bool("all"), Filters: filters, Reference: c.Args().First()}
}

func (s *session) imagesAction(c *cli.Context, filterSpecs []string) error {
	if c.NArg() > 1 {
		return usagef("'%s' takes at most one REPOSITORY[:TAG]: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	var lister *format.Lister
	if !c.Bool("quiet") {
		def := "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		if c.Bool("digests") {
			def = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		}
		var err error
		if lister, err = format.NewLister(s.io.Out, c.String("format"), def, map[string]string{"ID": "IMAGE ID", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT"}); err != nil {
			return usagef("%v", err)
		}
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	rows, err := e.ListImages(s.ctx, listImagesOptions(c, filterSpecs))
	if err != nil {
		return optionError(err, imageFlags)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		row := newImageRow(r, c.Bool("no-trunc"))
		if lister == nil {
			if !seen[row.ID] {
				fmt.Fprintln(s.io.Out, row.ID)
				seen[row.ID] = true
			}
			continue
		}
		if err := lister.Row(row); err != nil {
			return usagef("%v", err)
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}

func (s *session) rmiAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("'%s' needs at least one image: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	failed := false
	for _, r := range e.RemoveImages(s.ctx, c.Args().Slice(), engine.RemoveImagesOptions{Force: c.Bool("force")}) {
		if r.Err != nil {
			msg := r.Err.Error()
			if errors.Is(r.Err, engine.ErrConflict) {
				msg += " or use -f"
			}
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(msg))
			failed = true
			continue
		}
		s.printRemoval(r.ImageRemoval, "Untagged", "Deleted")
	}
	if failed {
		return errReported
	}
	return nil
}

// printRemoval prints an image removal as rmi (Untagged, Deleted) or
// prune (untagged, deleted) words it.
func (s *session) printRemoval(r report.ImageRemoval, untagged, deleted string) {
	for _, n := range r.Untagged {
		fmt.Fprintf(s.io.Out, "%s: %s\n", untagged, n)
	}
	if r.Deleted != "" {
		fmt.Fprintf(s.io.Out, "%s: sha256:%s\n", deleted, r.Deleted)
	}
}

func (s *session) tagAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("'%s' takes SOURCE and TARGET: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	return optionError(e.Tag(s.ctx, c.Args().First(), c.Args().Get(1)), imageFlags)
}

func (s *session) imageInspectAction(c *cli.Context) error {
	return s.inspectRefs(c, func(e *engine.Engine, ref string) (any, error) { return e.InspectImage(s.ctx, ref) })
}

// inspectRefs inspects every name with inspect and prints the results; a
// name not found is reported and fails the command, after the others.
func (s *session) inspectRefs(c *cli.Context, inspect func(e *engine.Engine, ref string) (any, error)) error {
	if c.NArg() == 0 {
		return usagef("'%s' needs at least one name: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	spec := c.String("format")
	e, err := s.engineFor(spec)
	if err != nil {
		return err
	}
	var results []any
	failed := false
	for _, ref := range c.Args().Slice() {
		r, err := inspect(e, ref)
		if err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = true
			continue
		}
		results = append(results, r)
	}
	return s.printInspected(spec, results, failed)
}

// engineFor checks a --format of an object's output (a template or json)
// before it opens the engine.
func (s *session) engineFor(spec string) (*engine.Engine, error) {
	if spec != "" && spec != "json" {
		if _, err := format.Parse(spec); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return s.engine()
}

// imagePruneAction removes dangling images (with -a, every image no
// container uses) and the layers nothing stands on.
func (s *session) imagePruneAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("'%s' takes no arguments: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	e, err := s.engine()
	if err != nil {
		return err
	}
	pruned, err := e.PruneImages(s.ctx, engine.PruneImagesOptions{All: c.Bool("all")})
	for _, r := range pruned.Images {
		s.printRemoval(r, "untagged", "deleted")
	}
	for _, id := range pruned.Layers {
		fmt.Fprintf(s.io.Out, "deleted layer: %s\n", id)
	}
	if pruned.LayersKept != nil {
		s.warnf("unused layers were kept: %v; run 'image prune' again after it", pruned.LayersKept)
	}
	return err
}
