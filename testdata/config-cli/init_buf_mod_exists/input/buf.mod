version: v1beta1
