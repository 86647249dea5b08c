import { Controller, Get, Header } from '@nestjs/common';
import { DOCS_PAGE_CSP } from '../http/security-headers.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './openapi.js';
import { Public } from '../auth/public.decorator.js';

const API_VERSION = '1.0.0';

@Controller('docs')
@Public()
export class DocsController {
  private readonly document = buildOpenApiDocument(API_VERSION);
  private readonly page = renderDocsPage(this.document);

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', DOCS_PAGE_CSP)
  html(): string {
    return this.page;
  }

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    return this.document;
  }
}
