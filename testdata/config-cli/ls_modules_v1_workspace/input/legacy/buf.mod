version: v1beta1
name: buf.build/acme/legacy
build:
  roots: [src]
