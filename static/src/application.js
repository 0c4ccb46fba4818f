// Replaces the inline snippet in GOV.UK Frontend's page template, which our Content
// Security Policy would block. Only browsers that run ES modules reach this line, and
// that is exactly what the `govuk-frontend-supported` class tells the components.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// The projector view of a group's agenda: the arrow keys and Page Up / Page Down follow its
// "Previous" and "Next" links (which work without this). Keys typed into a field, or pressed
// with a modifier (browser shortcuts), are left alone.
const projector = document.querySelector('[data-module="app-projector"]')
if (projector) {
  const keys = { ArrowLeft: 'previous', PageUp: 'previous', ArrowRight: 'next', PageDown: 'next' }
  document.addEventListener('keydown', (event) => {
    const direction = keys[event.key]
    if (!direction || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return
    if (event.target.closest('input, textarea, select, [contenteditable]')) return
    const link = projector.querySelector(`[data-projector-key="${direction}"]`)
    if (link) {
      event.preventDefault()
      window.location.assign(link.href)
    }
  })
}
