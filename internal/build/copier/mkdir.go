package copier

import "context"

// MkdirAll creates the directory o.Dest (relative to o.Workdir) and its
// missing parents inside o.Root, 0755 and owned by o.Chown's ids (else
// 0:0), as WORKDIR creates its directory for the stage's user. An
// existing directory is left as it is.
func MkdirAll(ctx context.Context, o Options) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, d, err := prepare(o, 1, "WORKDIR")
	if err != nil {
		return err
	}
	return c.mkdirAll(d.host)
}
