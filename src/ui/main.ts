// Entry of the page: mounts the app shell (grown by the app issue).
const root = document.getElementById('app');
if (root) root.textContent = 'TTPA Lab';
