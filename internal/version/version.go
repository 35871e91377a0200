// Package version holds the SDK's version, for the packages that must not
// import package logfire (and so the OpenTelemetry SDK) to know it, such
// as logfire/logfirequery.
package version

// Version is the version of this SDK; logfire.Version is the same
// constant.
const Version = "0.1.0"
