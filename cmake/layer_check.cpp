// Empty on purpose: the shared object it starts is linked from one layer's whole archive and
// the layers it declares, with --no-undefined, so that a call into a layer above fails to link.
