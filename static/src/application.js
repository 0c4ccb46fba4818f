// Replaces the inline snippet in GOV.UK Frontend's page template, which our Content
// Security Policy would block. Only browsers that run ES modules reach this line, and
// that is exactly what the `govuk-frontend-supported` class tells the components.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
