package auth

// ErrNoVault lets the external tests tell the no-keys refusal from any
// other error with errors.Is.
var ErrNoVault = errNoVault

// DummyHash is what a sign-in with an unknown username is checked against.
var DummyHash = dummyHash
