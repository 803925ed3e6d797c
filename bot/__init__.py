"""The composition root, in layers (each imports only those below): cli → http → runtime → platforms →
conversation → answers · delivery · tickets → config. docs/architecture.md traces requests through them."""
