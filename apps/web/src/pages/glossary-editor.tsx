import type { GlossaryDetail, LanguageCode, LanguageEntry } from '@docat/contracts';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { describeError } from '../api/problems.js';
import { useAction } from '../components/ui.js';

interface Row {
  /** Stable React key: rows are added and removed in the middle. */
  key: number;
  term: string;
  translation: string;
}

/** The API names an edited entry by its index (`entries[3]`); the form numbers rows from 1. */
function editError(error: unknown): string {
  const text = describeError(error);
  if (!(error instanceof ApiError)) return text;
  return text.replace(/entries\[(\d+)\]/g, (_, index: string) => `row ${Number(index) + 1}`);
}

/**
 * Edits one glossary in place: its name, its language pair and its terms, row by row or
 * replaced wholesale by a CSV file. The API checks the terms as it checks an import.
 */
export function GlossaryEditor({
  glossary,
  languages,
  onSaved,
  onCancel,
}: {
  glossary: GlossaryDetail;
  languages: LanguageEntry[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const prefix = `edit-${glossary.id}`;
  const [name, setName] = useState(glossary.name);
  const [sourceLanguage, setSource] = useState(glossary.sourceLanguage as LanguageCode);
  const [targetLanguage, setTarget] = useState(glossary.targetLanguage as LanguageCode);
  const [rows, setRows] = useState<Row[]>(() =>
    glossary.entries.map((entry, key) => ({ key, ...entry })),
  );
  const [nextKey, setNextKey] = useState(glossary.entries.length);
  const [csv, setCsv] = useState<{ fileName: string; text: string } | null>(null);

  const save = useAction(async () => {
    const terms = csv
      ? { csv: csv.text }
      : { entries: rows.map(({ term, translation }) => ({ term, translation })) };
    await api.updateGlossary(glossary.id, {
      name: name.trim() || glossary.name,
      sourceLanguage,
      targetLanguage,
      ...terms,
    });
    onSaved();
  });

  const setRow = (key: number, change: Partial<Row>) =>
    setRows((all) => all.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const addRow = () => {
    setRows((all) => [...all, { key: nextKey, term: '', translation: '' }]);
    setNextKey((k) => k + 1);
    // Focus the new term once it is drawn.
    setTimeout(() => document.getElementById(`${prefix}-term-${nextKey}`)?.focus(), 0);
  };

  const languageSelect = (
    id: string,
    label: string,
    value: LanguageCode,
    set: (code: LanguageCode) => void,
  ) => (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set(e.target.value as LanguageCode)}>
        {languages.map((l) => (
          <option key={l.code} value={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <form
      className="glossary-editor"
      aria-label={`Edit the glossary ${glossary.name}`}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <div className="grid">
        <div>
          <label htmlFor={`${prefix}-name`}>Name</label>
          <input
            id={`${prefix}-name`}
            maxLength={200}
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        {languageSelect(`${prefix}-source`, 'From', sourceLanguage, setSource)}
        {languageSelect(`${prefix}-target`, 'To', targetLanguage, setTarget)}
      </div>
      <label htmlFor={`${prefix}-csv`}>Replace all terms with a CSV file</label>
      <input
        id={`${prefix}-csv`}
        type="file"
        accept=".csv,text/csv"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void file.text().then((text) => setCsv({ fileName: file.name, text }));
          else setCsv(null);
        }}
      />
      {csv ? (
        <div className="notice info" role="status">
          <p>
            Saving replaces the {rows.length} terms below with the rows of {csv.fileName}.
          </p>
          <button type="button" className="secondary" onClick={() => setCsv(null)}>
            Keep the terms below instead
          </button>
        </div>
      ) : null}
      <fieldset disabled={csv !== null}>
        <legend>Terms ({rows.length})</legend>
        {rows.length === 0 ? <p className="muted">No terms. Add one below.</p> : null}
        <div className="table-wrap">
          <table className="terms">
            <thead>
              <tr>
                <th scope="col">Term</th>
                <th scope="col">Translation</th>
                <th scope="col">
                  <span className="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={row.key}>
                  <td>
                    <input
                      id={`${prefix}-term-${row.key}`}
                      aria-label={`Term, row ${index + 1}`}
                      value={row.term}
                      onChange={(e) => setRow(row.key, { term: e.target.value })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Translation, row ${index + 1}`}
                      value={row.translation}
                      onChange={(e) => setRow(row.key, { translation: e.target.value })}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      className="link danger"
                      aria-label={`Remove row ${index + 1}${row.term ? ` (${row.term})` : ''}`}
                      onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <button type="button" className="secondary" onClick={addRow}>
          Add a term
        </button>
      </fieldset>
      {save.error ? (
        <div className="notice error" role="alert">
          {editError(save.error)}
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={save.pending}>
          Save the glossary
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
