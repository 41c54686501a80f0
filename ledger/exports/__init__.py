"""Pure builders: take figures, return bytes (xlsx, png, pdf). Views only send them."""
