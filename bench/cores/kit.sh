# Sourced by the device scripts here, from the repository root: on a machine without npm access, unpacks the Node
# binary (.kit/node.xz) and the runtime node_modules (.kit/nm.tar.xz, without webgpu, typescript, vite, vitest,
# playwright) when they are there, and puts that Node first on PATH. Nothing happens without .kit/ (ignored).
if [ -f .kit/node.xz ]; then
  python3 - <<'PY'
import lzma, shutil, tarfile
shutil.copyfileobj(lzma.open('.kit/node.xz'), open('/tmp/node', 'wb'))
tarfile.open('.kit/nm.tar.xz').extractall('.')
PY
  chmod +x /tmp/node && export PATH=/tmp:$PATH
fi
