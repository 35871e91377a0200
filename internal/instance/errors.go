package instance

// HandleError sends err, one of the SDK's own problems (not the
// program's), to the error handler of lf, a *logfire.Logfire; a nil one
// stands for the default instance, and with no instance at all err goes
// to the default handler, a rate-limited line on standard error. The
// handler never sees the instance's tokens. Package logfire sets it.
var HandleError func(lf any, err error)
