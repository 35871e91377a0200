package otellambdaflush

// The internals that the tests of package otellambdaflush_test reach.
var (
	EventToCarrier        = eventToCarrier
	EventLinksWith        = eventLinks
	InvocationPropagator  = newInvocationPropagator
	LinkingTracerProvider = newLinkingTracerProvider
	ParseXRayTraceHeader  = parseXRayHeader
	XRayTraceHeader       = xrayTraceHeader
	XRaySpanContext       = xraySpanContext
	ErrXRayHeader         = errXRayHeader
)
